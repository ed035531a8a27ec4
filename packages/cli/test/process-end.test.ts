/**
 * How the `minigun` process ends: by itself once the run is over (nothing of the CLI's or of the strategies'
 * keeps it alive), and despite what the pipeline's module leaves open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, cli, fixture, stateFile, tempDir } from './cli';

afterAll(cleanupDirs);

const LEFT_OPEN = 'which would keep this process alive';

describe('the minigun process ends by itself after the run', () => {
  it.each([
    ['inline', [fixture('numbers.mjs')]],
    ['thread', [fixture('needs-thread.mjs'), '--use', '@minigun/strategy-thread']],
    ['ipc-fork', [fixture('slow-fork.mjs'), '--pipeline', 'slow-ipc', '--use', '@minigun/strategy-fork']],
    ['cow-fork', [fixture('slow-fork.mjs'), '--pipeline', 'slow-cow', '--use', '@minigun/strategy-fork']],
    [
      'ipc-fork over tempfile',
      [fixture('slow-fork.mjs'), '--pipeline', 'slow-ipc-tempfile', '--use', '@minigun/strategy-fork', '--use', '@minigun/ipc-tempfile'],
    ],
  ])(
    '%s: nothing is left open, exit 0',
    async (_strategy, args) => {
      const dir = tempDir();
      const r = await cli(['run', ...args, '--json', '--state', stateFile(dir, { dir, count: 4, ms: 10 })]);
      expect(r.stderr).not.toContain(LEFT_OPEN);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed' });
    },
    60_000,
  );

  it('a module that leaves an interval running: the output whole, then exit with the run’s code, naming what was left open', async () => {
    const r = await cli(['run', fixture('leaves-timer.mjs'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', collected: { saved: [1, 2, 3] } });
    expect(r.stderr).toContain(`the run is over, but the module left Timeout open, ${LEFT_OPEN}: exiting with code 0.`);
  }, 30_000);
});
