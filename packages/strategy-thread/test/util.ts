/** Helpers of the strategy-thread tests (not a test file); the generic ones come from @minigun/test-utils. */
import { Registry, type RunResult } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';
import { threadStrategies, type ThreadStrategyOptions } from '@minigun/strategy-thread';

export { cleanupDirs, files, itemErrors, sorted, tempDir, waitFor } from '@minigun/test-utils';

export const registry = (options: ThreadStrategyOptions = {}): Registry => new Registry().use(threadStrategies(options));

/** Every stage: in = done + failed + cancelled. */
export const expectAccounting: (r: RunResult) => void = assertAccounting;

/**
 * Live worker threads of this process: a running Worker keeps its parent port ref'ed, which
 * getActiveResourcesInfo reports as 'MessagePort' (unref'ed channels are not listed).
 */
export const liveWorkerHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length;

/** Waits until no more worker handles are alive than `baseline`; returns how many are. */
export async function settledWorkerHandles(baseline: number, timeoutMs = 3000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (liveWorkerHandles() > baseline && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  return liveWorkerHandles();
}
