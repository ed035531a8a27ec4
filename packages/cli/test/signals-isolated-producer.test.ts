/**
 * SIGINT while the producer itself runs isolated (a worker thread, an ipc-fork child). Kept apart from
 * signals.test.ts: cancelling an isolated producer must settle the producer's pending emit in core and the
 * strategies; if it rejects unhandled instead, the process crashes with exit code 1 and these tests fail.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, files, fixture, start, stateFile, tempDir, waitFor } from './cli';

afterAll(cleanupDirs);

describe('SIGINT during a run whose producer is isolated', () => {
  it.each([
    ['slow-thread', '@minigun/strategy-thread'],
    ['slow-ipc', '@minigun/strategy-fork'],
  ])(
    '%s: graceful cancel, afterRun runs, the final report, exit 130',
    async (name, plugin) => {
      const dir = tempDir();
      const run = start([
        'run',
        fixture('isolated-producer.mjs'),
        '--pipeline',
        name,
        '--use',
        plugin,
        '--grace',
        '1000',
        '--state',
        stateFile(dir, { dir, ms: 20 }),
      ]);
      try {
        await waitFor(() => files(dir, 'saved-').length >= 3, 25_000, `the producer to emit (stderr: ${run.stderr()})`);
        run.child.kill('SIGINT');
        expect(await run.exited, `stderr: ${run.stderr()}`).toBe(130);
        expect(run.stderr()).toBe('');
        expect(run.stdout()).toContain(`Pipeline ${name}: cancelled`);
        expect(run.stdout()).toMatch(/tick\s+(thread|ipc-fork)\s/);
        expect(files(dir, 'afterRun-')).toEqual(['afterRun-cancelled']);
      } finally {
        run.child.kill('SIGKILL');
      }
    },
    60_000,
  );
});
