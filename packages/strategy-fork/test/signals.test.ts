import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, stillAlive, tempDir, waitFor } from './util';

afterAll(cleanupDirs);

describe('SIGINT to a parent running forked stages under run({ handleSignals: true })', () => {
  const script = fileURLToPath(new URL('./fixtures/signal-parent.ts', import.meta.url));
  const repo = fileURLToPath(new URL('../../../', import.meta.url));

  for (const mode of ['cow', 'ipc'] as const) {
    it(`${mode === 'cow' ? 'cow-fork' : 'ipc-fork'}: cancels, kills in-flight children after the grace period, and leaves no child`, async () => {
      const dir = tempDir();
      const parent = spawn(process.execPath, ['--import', 'tsx', script, mode, dir], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      let stdout = '';
      let stderr = '';
      parent.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => parent.on('exit', (code) => resolve(code)));
      try {
        await waitFor(() => stdout.includes('\n'), 25_000, `the parent to report its children (stderr: ${stderr})`);
        const { children } = JSON.parse(stdout.split('\n')[0]!) as { children: number[] };
        expect(children.length).toBeGreaterThanOrEqual(2);
        const signalled = Date.now();
        parent.kill('SIGINT');
        expect(await exited).toBe(0);
        // graceMs is 500; the inputs would take a minute: the run ended by killing them.
        expect(Date.now() - signalled).toBeLessThan(10_000);
        const end = JSON.parse(stdout.trim().split('\n').pop()!) as { status: string; left: number[]; sigint: number };
        expect(end.status).toBe('cancelled');
        expect(end.left).toEqual([]);
        expect(end.sigint).toBe(0);
        const alive = await stillAlive(children, 3000);
        for (const pid of alive) process.kill(pid, 'SIGKILL');
        expect(alive).toEqual([]);
      } finally {
        parent.kill('SIGKILL');
      }
    }, 60_000);
  }
});
