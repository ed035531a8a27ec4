import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, files, fixture, isAlive, minigunChildren, sleep, start, stateFile, tempDir, waitFor } from './cli';

afterAll(cleanupDirs);

describe('signals under minigun run', () => {
  it('first SIGINT: graceful cancel, afterRun runs, summary printed, exit 130, no child or tempfile left (ipc-fork over tempfile)', async () => {
    const dir = tempDir();
    // The tempfile transport makes its run directory under os.tmpdir(): a directory of this test's own.
    const tmp = tempDir();
    const run = start(
      [
        'run',
        fixture('slow-fork.mjs'),
        '--pipeline',
        'slow-ipc-tempfile',
        '--use',
        '@minigun/strategy-fork',
        '--use',
        '@minigun/ipc-tempfile',
        '--grace',
        '500',
        '--state',
        stateFile(dir, { dir, count: 6, ms: 60_000 }),
      ],
      { env: { TMPDIR: tmp } },
    );
    try {
      await waitFor(() => files(dir, 'started-').length >= 2, 25_000, `two inputs to start (stderr: ${run.stderr()})`);
      const children = minigunChildren(run.child.pid!);
      expect(children.length).toBeGreaterThanOrEqual(2);
      expect(files(tmp, 'minigun-')).toHaveLength(1); // the transport's run directory, while the run goes on
      const signalled = Date.now();
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      // The inputs would take a minute: the run ended by the grace period (500 ms) and killing them.
      expect(Date.now() - signalled).toBeLessThan(15_000);
      expect(files(dir, 'afterRun-')).toEqual(['afterRun-cancelled']);
      expect(run.stdout()).toContain('Pipeline slow-ipc-tempfile: cancelled');
      expect(run.stderr()).not.toContain('which would keep this process alive'); // the process ended by itself
      expect(files(tmp, 'minigun-')).toEqual([]);
      expect(run.stdout()).toMatch(/wait\s+ipc-fork×2/);
      await waitFor(() => children.every((pid) => !isAlive(pid)), 3000, 'the children to be gone').catch(() => undefined);
      expect(children.filter(isAlive)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);

  it('second SIGINT: stops at once, without waiting for the grace period (cow-fork)', async () => {
    const dir = tempDir();
    const run = start([
      'run',
      fixture('slow-fork.mjs'),
      '--pipeline',
      'slow-cow',
      '--use',
      '@minigun/strategy-fork',
      '--grace',
      '60000',
      '--json',
      '--state',
      stateFile(dir, { dir, count: 6, ms: 60_000 }),
    ]);
    try {
      await waitFor(() => files(dir, 'started-').length >= 2, 25_000, `two inputs to start (stderr: ${run.stderr()})`);
      const children = minigunChildren(run.child.pid!);
      run.child.kill('SIGINT');
      await sleep(300);
      const second = Date.now();
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      expect(Date.now() - second).toBeLessThan(10_000); // graceMs is 60 s: only the second signal explains this
      const result = JSON.parse(run.stdout()) as { status: string; stats: { stages: Record<string, { cancelled: number }> } };
      expect(result.status).toBe('cancelled');
      expect(result.stats.stages.wait!.cancelled).toBeGreaterThanOrEqual(2);
      expect(run.stderr()).not.toContain('which would keep this process alive'); // the process ended by itself
      expect(files(dir, 'afterRun-')).toEqual(['afterRun-cancelled']);
      await waitFor(() => children.every((pid) => !isAlive(pid)), 3000, 'the children to be gone').catch(() => undefined);
      expect(children.filter(isAlive)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);
});
