/**
 * 27 round-robin load balancing: `dispatch: 'round-robin'` sends each item to one of the targets in turn,
 * instead of broadcasting it to all of them.
 *
 *   requests ─rr─> worker-a | worker-b | worker-c ─> log
 *
 * Run: npx tsx examples/27-round-robin-load-balancing.ts   or   npx minigun run examples/27-round-robin-load-balancing.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

const WORKERS = ['worker-a', 'worker-b', 'worker-c'];

export const roundRobin = pipeline('round-robin', { module: import.meta.url }, (p) => {
  p.producer('requests', { to: WORKERS, dispatch: 'round-robin' }, () => span(1, 12));
  for (const name of WORKERS) {
    p.processor(name, { to: 'log' }, (n: number) => ({ n, by: name }));
  }
  p.consumer('log', (r: { n: number; by: string }, _out, ctx) => {
    ctx.collect('handled', r);
  });
});

if (isMain(import.meta)) {
  const result = await roundRobin.run();
  const handled = (result.collected.handled ?? []) as Array<{ n: number; by: string }>;
  for (const w of WORKERS)
    console.log(
      `27 ${w}: ${handled
        .filter((h) => h.by === w)
        .map((h) => h.n)
        .join(',')}`,
    );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(handled.length === 12 && new Set(handled.map((h) => h.n)).size === 12, 'each request was handled exactly once');
  expect(
    WORKERS.every((w) => result.stats.stages[w]?.in === 4),
    'each worker got 4 of the 12 requests',
  );
  done('27-round-robin-load-balancing');
}
