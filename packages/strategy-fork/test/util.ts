/** Helpers of the strategy-fork tests (not a test file); the generic ones come from @minigun/test-utils. */
import { Registry, type RunResult } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';
import { forkStrategies, type ForkStrategyOptions, type StartMethod } from '@minigun/strategy-fork';

export {
  childrenOf,
  cleanupDirs,
  codeOf,
  extraChildren,
  fdCount,
  files,
  isAlive,
  itemErrors,
  sleep,
  sorted,
  stillAlive,
  tempDir,
  waitFor,
} from '@minigun/test-utils';

/**
 * cow-fork's start method for the whole test run: MINIGUN_TEST_COW_START=spawn|forkserver|auto (the package's
 * test script runs the fork test files under the default and again under spawn). Unset: the default (auto).
 */
export const COW_START = process.env.MINIGUN_TEST_COW_START as StartMethod | undefined;

export const registry = (options: ForkStrategyOptions = {}): Registry =>
  new Registry().use(forkStrategies(options.launcher === undefined && COW_START !== undefined ? { start: COW_START, ...options } : options));

/** Every stage: in = done + failed + cancelled. */
export const expectAccounting: (r: RunResult) => void = assertAccounting;

/** PIDs found in `collected[key]` entries (numbers or `{ pid }` objects). */
export function pidsIn(r: RunResult, ...keys: string[]): number[] {
  const pids: number[] = [];
  for (const key of keys) {
    for (const v of r.collected[key] ?? []) {
      if (typeof v === 'number') pids.push(v);
      else if (v !== null && typeof v === 'object' && typeof (v as { pid?: unknown }).pid === 'number') pids.push((v as { pid: number }).pid);
    }
  }
  return pids;
}

/** Groups values by key (Map.groupBy is Node 21+). */
export function groupBy<T, K>(values: Iterable<T>, key: (v: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const v of values) {
    const k = key(v);
    const list = out.get(k);
    if (list === undefined) out.set(k, [v]);
    else list.push(v);
  }
  return out;
}
