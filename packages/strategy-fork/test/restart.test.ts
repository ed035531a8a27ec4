/**
 * The ipc-fork restart policy, through the public API with real child processes that die on chosen inputs
 * (process.exit(3), process.exit(0), SIGKILL): `permanent` replaces every dead child up to the limit,
 * `transient` counts only abnormal deaths, `never` replaces none; past the limit (more than maxRestarts deaths
 * within restartWindowMs) the stage's remaining inputs fail at once with an error saying so, while the rest of
 * the run goes on and no child is left behind. Recycling is not a death; retries run only while the policy
 * still allows children.
 *
 * Every stage here runs with maxChunk 1 and (mostly) concurrency 1: a child holds one input at a time and the
 * inputs reach it in order, so which input meets which death is exact.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type RunResult } from '@minigun/core';
import { cowForkStrategy, forkStrategies, ipcForkStrategy, type ForkStrategyOptions } from '@minigun/strategy-fork';
import { crashingOne, crashingOneRetried, crashingTwo, crashingTwoRetried, type CrashState } from './fixtures/restart.mjs';
import { childrenOf, cleanupDirs, codeOf, expectAccounting, extraChildren, files, itemErrors, registry, sorted, tempDir } from './util.ts';

afterAll(cleanupDirs);

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Runs `p` with maxChunk 1 and the given ipc-fork options; checks accounting and that no child is left. */
async function run(
  p: typeof crashingOne,
  state: Partial<CrashState> & Pick<CrashState, 'count' | 'die'>,
  options: ForkStrategyOptions = {},
): Promise<{
  r: RunResult;
  dir: string;
  deaths: number;
  forked: number;
  done: number[];
  errorOf: (n: number) => { message: string; code: unknown; attempts: number };
}> {
  const baseline = childrenOf();
  const dir = tempDir();
  const r = await p.run({ state: { dir, once: false, ms: 0, ...state }, registry: registry({ maxChunk: 1, ...options }) });
  expect(r.status).toBe('completed');
  // The inline branch ran every input: a stage that gave up on its children does not stop the run.
  expect(sorted(r.collected.audited)).toEqual(range(0, state.count));
  expectAccounting(r);
  expect(await extraChildren(baseline, 3000), 'no child process is left after the run').toEqual([]);
  const errors = new Map(itemErrors(r).map((e) => [e.input as number, e]));
  for (const e of errors.values()) expect(e.stage).toBe('work');
  return {
    r,
    dir,
    deaths: files(dir, 'dead-').length,
    forked: (r.collected.forked ?? []).length,
    done: sorted(((r.collected.out ?? []) as Array<{ n: number }>).map((o) => o.n)),
    errorOf: (n) => {
      const e = errors.get(n);
      expect(e, `input ${n} should have failed`).toBeDefined();
      return { message: e!.message, code: codeOf(e!), attempts: e!.attempts };
    },
  };
}

const LIMIT = /hit its restart limit and starts no more child processes/;
const NO_CHILD = /has no child process left/;

describe('ipc-fork restart: permanent (the default)', () => {
  it('replaces each child that dies, within the default limit (5 within 60 s): only the inputs the dead children held fail', async () => {
    const { r, deaths, forked, done, errorOf } = await run(crashingOne, { count: 8, die: { 1: 'exit', 3: 'kill', 5: 'clean' } });
    expect(deaths).toBe(3);
    expect(forked).toBe(4);
    expect(done).toEqual([0, 2, 4, 6, 7]);
    expect(errorOf(1).message).toContain('exited with code 3');
    expect(errorOf(3).message).toContain('SIGKILL');
    expect(errorOf(5).message).toContain('exited with code 0');
    for (const n of [1, 3, 5]) expect(errorOf(n).code).toBe(ErrorCodes.WORKER_DIED);
    expect(itemErrors(r)).toHaveLength(3);
  });

  it('more than maxRestarts deaths within the window: the stage starts no more children, its remaining inputs fail at once with the limit error', async () => {
    const { r, deaths, forked, done, errorOf } = await run(crashingOne, { count: 10, die: { 1: 'exit', 2: 'exit', 3: 'exit', 4: 'exit' } }, { maxRestarts: 2 });
    // Deaths 1 and 2 are replaced; the 3rd (input 3) is one too many: input 4 never reaches a child.
    expect(deaths).toBe(3);
    expect(forked).toBe(3);
    expect(done).toEqual([0]);
    for (const n of [1, 2, 3]) expect(errorOf(n).message).toMatch(/^Child process \d+ of stage "work" \(pipeline "crashing-one"\) exited with code 3/);
    for (const n of range(4, 10)) {
      const e = errorOf(n);
      expect(e.code).toBe(ErrorCodes.WORKER_DIED);
      expect(e.message).toMatch(LIMIT);
      expect(e.message).toContain('Stage "work" (pipeline "crashing-one")');
      expect(e.message).toMatch(
        /3 of its children died within \d+ ms, more than maxRestarts \(2\) allows within restartWindowMs \(60000 ms\) with restart: 'permanent'/,
      );
      expect(e.message).toContain('the last one exited with code 3');
      expect(e.message).toContain('This input was not run');
      expect(e.message).toContain('raise maxRestarts or shorten restartWindowMs');
    }
    expect(r.stats.stages.work!.failed).toBe(9);
    expect(r.stats.stages.work!.done).toBe(1);
  });

  it('maxRestarts: 0 stops at the first death; the error names the signal', async () => {
    const { done, forked, errorOf } = await run(crashingOne, { count: 4, die: { 1: 'kill' } }, { maxRestarts: 0 });
    expect(forked).toBe(1);
    expect(done).toEqual([0]);
    expect(errorOf(1).message).toContain('SIGKILL');
    for (const n of [2, 3]) {
      expect(errorOf(n).message).toMatch(LIMIT);
      expect(errorOf(n).message).toContain('a child died, more than maxRestarts (0) allows');
      expect(errorOf(n).message).toContain('it was killed by SIGKILL');
    }
  });

  it('maxRestarts: Infinity restarts forever (no limit)', async () => {
    const die = Object.fromEntries(range(0, 12).map((n) => [n, 'exit' as const]));
    delete die[5];
    const { deaths, done, forked } = await run(crashingOne, { count: 12, die }, { maxRestarts: Infinity });
    expect(deaths).toBe(11);
    // One child per death, the one that ran 5 also died on 6.
    expect(forked).toBe(11);
    expect(done).toEqual([5]);
  });

  it('the window slides: deaths further apart than restartWindowMs never add up to the limit', async () => {
    // Inputs 2 and 4 take 400 ms in a fresh child, so deaths 1, 3 and 5 are more than 400 ms apart.
    const die = { 1: 'exit', 3: 'exit', 5: 'exit' } as const;
    const apart = await run(crashingOne, { count: 7, die, ms: 400 }, { maxRestarts: 1, restartWindowMs: 200 });
    expect(apart.deaths).toBe(3);
    expect(apart.done).toEqual([0, 2, 4, 6]);
    expect(itemErrors(apart.r).some((e) => LIMIT.test(e.message))).toBe(false);
    // The same deaths within one window of 60 s: the 2nd is one too many.
    const within = await run(crashingOne, { count: 7, die, ms: 400 }, { maxRestarts: 1, restartWindowMs: 60_000 });
    expect(within.deaths).toBe(2);
    expect(within.done).toEqual([0, 2]);
    for (const n of [4, 5, 6]) expect(within.errorOf(n).message).toMatch(LIMIT);
  }, 40_000);

  it('restartWindowMs: Infinity counts every death of the run', async () => {
    const { done, errorOf } = await run(crashingOne, { count: 6, die: { 1: 'exit', 3: 'exit' }, ms: 300 }, { maxRestarts: 1, restartWindowMs: Infinity });
    expect(done).toEqual([0, 2]);
    expect(errorOf(4).message).toMatch(/more than maxRestarts \(1\) allows in a run/);
  });
});

describe('ipc-fork restart: transient', () => {
  it('an exit with code 0 is replaced and not counted; abnormal deaths (code 3, SIGKILL) count against the limit', async () => {
    const die = { 1: 'clean', 2: 'clean', 3: 'clean', 5: 'exit', 7: 'kill', 8: 'exit' } as const;
    const { deaths, forked, done, errorOf } = await run(crashingOne, { count: 11, die }, { restart: 'transient', maxRestarts: 1 });
    // Three clean exits replaced for free, the death on 5 replaced within the limit, the one on 7 is one too many.
    expect(deaths).toBe(5);
    expect(forked).toBe(5);
    expect(done).toEqual([0, 4, 6]);
    expect(errorOf(1).message).toContain('exited with code 0');
    expect(errorOf(7).message).toContain('SIGKILL');
    for (const n of [8, 9, 10]) {
      expect(errorOf(n).message).toMatch(LIMIT);
      expect(errorOf(n).message).toContain('2 of its children died abnormally within');
      expect(errorOf(n).message).toContain("restart: 'transient'");
      expect(errorOf(n).message).toContain('the last one was killed by SIGKILL');
    }
  });

  it('the same clean exits under permanent count: the 2nd is one too many', async () => {
    const { deaths, done, errorOf } = await run(
      crashingOne,
      { count: 6, die: { 1: 'clean', 2: 'clean', 3: 'clean' } },
      { restart: 'permanent', maxRestarts: 1 },
    );
    expect(deaths).toBe(2);
    expect(done).toEqual([0]);
    for (const n of [3, 4, 5]) expect(errorOf(n).message).toContain('the last one exited with code 0');
  });
});

describe('ipc-fork restart: never', () => {
  it('a dead child is not replaced: the other child takes the inputs; when none is left, the remaining inputs fail at once', async () => {
    const { r, deaths, forked, done, errorOf } = await run(
      crashingTwo,
      // The SIGKILL on 5 waits for the child that exited on 2 to be gone: the SIGKILL is then the last death.
      { count: 10, die: { 2: 'exit', 5: 'kill' }, dieAfter: { 5: 2 } },
      { restart: 'never' },
    );
    expect(deaths).toBe(2);
    expect(forked).toBe(2);
    expect(done).toEqual([0, 1, 3, 4]);
    expect(errorOf(2).message).toContain('exited with code 3');
    expect(errorOf(5).message).toContain('SIGKILL');
    for (const n of range(6, 10)) {
      const e = errorOf(n);
      expect(e.code).toBe(ErrorCodes.WORKER_DIED);
      expect(e.message).toMatch(NO_CHILD);
      expect(e.message).toContain("all 2 of its child processes died and restart: 'never' replaces none");
      expect(e.message).toContain('the last one was killed by SIGKILL');
      expect(e.message).toContain("Use restart: 'transient' or 'permanent'");
    }
    expect(r.stats.stages.work!.done).toBe(4);
  });

  it('recycled children are still replaced (recycling is not a death)', async () => {
    const { done, forked } = await run(crashingOne, { count: 6, die: {} }, { restart: 'never', recycleAfter: 2 });
    expect(done).toEqual(range(0, 6));
    expect(forked).toBe(3);
  });
});

describe('ipc-fork restart: recycling never counts against the limit', () => {
  it('recycleAfter: 1 with maxRestarts: 0 runs every input, one child each', async () => {
    const { done, forked } = await run(crashingOne, { count: 5, die: {} }, { recycleAfter: 1, maxRestarts: 0 });
    expect(done).toEqual(range(0, 5));
    expect(forked).toBe(5);
  });

  it('maxRssMb below any child (every chunk recycles) with maxRestarts: 1 and one death: nothing else fails', async () => {
    const { r, done, forked, errorOf } = await run(crashingOne, { count: 6, die: { 3: 'exit' } }, { maxRssMb: 0.001, maxRestarts: 1 });
    expect(done).toEqual([0, 1, 2, 4, 5]);
    expect(forked).toBe(6);
    expect(errorOf(3).message).toContain('exited with code 3');
    expect(itemErrors(r)).toHaveLength(1);
  });
});

describe('ipc-fork restart: retries', () => {
  it('never, 2 children: an input whose child died is retried in the other child and succeeds', async () => {
    const { r, done, forked } = await run(crashingTwoRetried, { count: 6, die: { 2: 'exit' }, once: true }, { restart: 'never' });
    expect(done).toEqual(range(0, 6));
    expect(forked).toBe(2);
    expect(r.stats.stages.work!.retried).toBe(1);
    expect(r.errors).toEqual([]);
  });

  it('never, 1 child: the retry finds no child left and fails at once, as do the inputs after it', async () => {
    const { done, forked, errorOf } = await run(crashingOneRetried, { count: 5, die: { 2: 'exit' }, once: true }, { restart: 'never' });
    expect(done).toEqual([0, 1]);
    expect(forked).toBe(1);
    for (const n of [2, 3, 4]) {
      expect(errorOf(n).message).toMatch(NO_CHILD);
      expect(errorOf(n).message).toContain('its only child process died');
      expect(errorOf(n).attempts).toBe(3);
    }
  });

  it('permanent, maxRestarts 1, retries 2: the 2nd attempt dies too (the limit), the 3rd fails at once with the limit error', async () => {
    const { deaths, forked, done, errorOf } = await run(crashingOneRetried, { count: 4, die: { 1: 'exit' } }, { maxRestarts: 1 });
    expect(deaths).toBe(2);
    expect(forked).toBe(2);
    expect(done).toEqual([0]);
    expect(errorOf(1).message).toMatch(LIMIT);
    expect(errorOf(1).attempts).toBe(3);
    for (const n of [2, 3]) expect(errorOf(n).message).toMatch(LIMIT);
  });

  it('permanent within the limit: the retry runs in a fresh child and succeeds', async () => {
    const { r, done, forked } = await run(crashingOneRetried, { count: 5, die: { 1: 'kill', 3: 'exit' }, once: true }, { maxRestarts: 2 });
    expect(done).toEqual(range(0, 5));
    expect(forked).toBe(3);
    expect(r.stats.stages.work!.retried).toBe(2);
  });
});

describe('ipc-fork restart options', () => {
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

  it('restart is one of never, transient, permanent', () => {
    fails(() => ipcForkStrategy({ restart: 'always' as never }), 'ipcForkStrategy()', 'restart', '"never", "transient", "permanent"', 'always');
    fails(() => forkStrategies({ restart: 'temporary' as never }), 'forkStrategies()', 'restart');
  });

  it('maxRestarts is a whole number of at least 0 or Infinity; restartWindowMs is above 0', () => {
    for (const bad of [-1, 1.5, Number.NaN, '3' as never])
      fails(() => ipcForkStrategy({ maxRestarts: bad }), 'maxRestarts', 'a whole number of at least 0, or Infinity');
    for (const bad of [0, -10, Number.NaN, -Infinity]) fails(() => forkStrategies({ restartWindowMs: bad }), 'restartWindowMs', 'above 0');
    expect(() => ipcForkStrategy({ maxRestarts: 0, restartWindowMs: Infinity })).not.toThrow();
    expect(() => ipcForkStrategy({ maxRestarts: Infinity, restartWindowMs: 1 })).not.toThrow();
  });

  it('maxRestarts and restartWindowMs are refused with restart: never (nothing to limit)', () => {
    fails(() => ipcForkStrategy({ restart: 'never', maxRestarts: 3 }), "option maxRestarts has no effect with restart: 'never'", 'Remove maxRestarts');
    fails(() => forkStrategies({ restart: 'never', restartWindowMs: 1000 }), 'forkStrategies()', 'restartWindowMs', "restart: 'transient' or 'permanent'");
    expect(() => ipcForkStrategy({ restart: 'transient', maxRestarts: 3, restartWindowMs: 1000 })).not.toThrow();
  });

  it('cow-fork refuses them: they are ipc-fork options', () => {
    fails(() => cowForkStrategy({ restart: 'never' }), 'cowForkStrategy() does not take option "restart"', 'ipc-fork option');
    fails(() => cowForkStrategy({ maxRestarts: 1 }), 'maxRestarts', 'ipc-fork option');
    fails(() => cowForkStrategy({ restartWindowMs: 1 }), 'restartWindowMs', 'ipc-fork option');
  });
});
