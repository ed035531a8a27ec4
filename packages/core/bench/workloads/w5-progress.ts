/**
 * Workload 5: what live progress costs. Workload 1 through Minigun with `run({ progress })` sampling every
 * 20 ms (the shortest interval a synchronous producer lets timers run at; the CLI samples every 250 ms), the
 * callback serialising each event to JSON as `minigun run --json --progress` does, against the same
 * pipeline without progress, in the same process. Target: ratio ≥ 0.95 (under 5 % overhead).
 */
import type { ProgressEvent } from '@minigun/core';
import type { Workload } from '@minigun/bench-harness';
import { expectedSum } from '../checks.js';
import { minigunSync } from './w1-sync.js';

export const PROGRESS_INTERVAL_MS = 20;

/** Events sent and JSON characters produced so far, printed so that the figure is seen to measure something. */
export const progressSent = { events: 0, chars: 0 };

export function workload5(n: number): Workload {
  const progress = (e: ProgressEvent): void => {
    progressSent.events++;
    progressSent.chars += JSON.stringify(e).length;
  };
  return {
    id: 'w5',
    title: `workload 1 with run({ progress }) every ${PROGRESS_INTERVAL_MS} ms (events serialised to JSON) vs without`,
    items: n,
    expected: expectedSum(n),
    variants: [
      {
        name: `minigun inline + progress ${PROGRESS_INTERVAL_MS} ms`,
        role: 'minigun',
        run: () => minigunSync(n, { progress, progressIntervalMs: PROGRESS_INTERVAL_MS }),
      },
      { name: 'minigun inline, no progress', role: 'baseline', run: () => minigunSync(n) },
    ],
  };
}
