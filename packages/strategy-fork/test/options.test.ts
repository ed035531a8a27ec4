/**
 * Factory options are checked once, when the factory is called: a bad value fails at once with
 * ERR_MINIGUN_INVALID_OPTION naming the option, the value and the range (spares: Infinity would spawn
 * children in a loop), and an option of the other fork strategy is refused instead of ignored.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { cowForkStrategy, forkLauncher, forkStrategies, ipcForkStrategy } from '@minigun/strategy-fork';
import { passCow, passIpc } from './fixtures/integrity.mjs';
import { registry, sorted } from './util.ts';

const fails = (fn: () => unknown, ...parts: string[]): void => {
  let error: (Error & { code?: string }) | undefined;
  try {
    fn();
  } catch (e) {
    error = e as Error & { code?: string };
  }
  expect(error, 'expected the factory to throw').toBeDefined();
  expect(error!.code).toBe(ErrorCodes.INVALID_OPTION);
  for (const part of parts) expect(error!.message).toContain(part);
};

describe('fork strategy factory options', () => {
  it("start must be 'spawn', 'forkserver' or 'auto'; it is a cow-fork option; a launcher of one's own excludes 'forkserver'", () => {
    for (const bad of ['fork', '', 1, null])
      fails(() => forkStrategies({ start: bad as never }), 'forkStrategies()', 'option start', '"spawn", "forkserver", "auto"');
    fails(() => cowForkStrategy({ start: 'zygote' as never }), 'cowForkStrategy()', 'start', '"zygote"');
    fails(() => ipcForkStrategy({ start: 'spawn' }), 'ipcForkStrategy() does not take option "start"', 'cow-fork option');
    fails(() => cowForkStrategy({ launcher: forkLauncher(), start: 'forkserver' }), "launcher and start: 'forkserver' exclude each other");
    for (const start of ['spawn', 'forkserver', 'auto'] as const) expect(cowForkStrategy({ start }).name).toBe('cow-fork');
  });
  it('spares must be a whole number from 0 to 256', () => {
    for (const bad of [Infinity, -1, 1.5, Number.NaN, 257]) {
      fails(() => forkStrategies({ spares: bad }), 'forkStrategies()', 'spares', 'from 0 to 256', String(bad));
      fails(() => cowForkStrategy({ spares: bad }), 'cowForkStrategy()', 'spares');
    }
  });

  it('ipc-fork options are checked: maxChunk, recycleAfter, maxRssMb', () => {
    fails(() => ipcForkStrategy({ maxChunk: 0 }), 'ipcForkStrategy()', 'maxChunk', '0');
    fails(() => ipcForkStrategy({ recycleAfter: 0 }), 'recycleAfter', 'at least 1');
    fails(() => ipcForkStrategy({ maxRssMb: 0 }), 'maxRssMb', 'above 0');
    fails(() => forkStrategies({ maxRssMb: Number.NaN }), 'maxRssMb', 'NaN');
  });

  it('exitGraceMs, launcher and fork are checked, and launcher excludes fork', () => {
    fails(() => forkStrategies({ exitGraceMs: -5 }), 'exitGraceMs', '-5');
    fails(() => forkStrategies({ exitGraceMs: Infinity }), 'exitGraceMs', 'Infinity');
    fails(() => forkStrategies({ launcher: {} as never }), 'launcher', 'start()');
    fails(() => forkStrategies({ fork: { execArgv: '--inspect' as never } }), 'fork', 'execArgv');
    fails(() => forkStrategies({ launcher: forkLauncher(), fork: { execArgv: [] } }), 'launcher and fork exclude each other');
  });

  it('an option of the other fork strategy is refused, saying whose it is', () => {
    fails(() => cowForkStrategy({ maxChunk: 8 }), 'cowForkStrategy() does not take option "maxChunk"', 'ipc-fork option');
    fails(() => cowForkStrategy({ recycleAfter: 8 }), 'recycleAfter', 'ipc-fork option');
    fails(() => cowForkStrategy({ maxRssMb: 8 }), 'maxRssMb', 'ipc-fork option');
    fails(() => ipcForkStrategy({ spares: 2 }), 'ipcForkStrategy() does not take option "spares"', 'cow-fork option');
    fails(() => forkStrategies({ spare: 2 } as never), 'forkStrategies() has no option "spare"');
  });

  it('valid options are taken: both strategies run with forkStrategies({ spares, maxChunk, recycleAfter })', async () => {
    const reg = registry({ spares: 1, maxChunk: 2, recycleAfter: 3, exitGraceMs: 2000 });
    for (const p of [passCow, passIpc]) {
      const r = await p.run({ state: { items: [1, 2, 3, 4] }, registry: reg });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out)).toEqual([1, 2, 3, 4]);
    }
  });
});
