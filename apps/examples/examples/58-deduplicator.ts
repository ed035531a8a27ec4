/**
 * 58 deduplicator: a queue that delivers at least once sends some messages twice or more; a `dedup` stage
 * passes the first delivery of each id and drops the repeats. A processor that returns nothing emits
 * nothing, and its stats count that input as `filtered`: the number of repeats dropped, with no counter of
 * your own.
 *
 *   deliveries ─> dedup ─> handle
 *
 * The ids seen are kept in the run's state (a Set made by `beforeRun`), so each run starts empty.
 *
 * Run: npx tsx examples/58-deduplicator.ts   or   npx minigun run examples/58-deduplicator.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

interface Message {
  id: number;
  delivery: number;
}

/** Messages 1..30, then redeliveries: every third once more, every fifth twice more (15 and 30 both ways). */
export const DELIVERIES: Message[] = (() => {
  const count = new Map<number, number>();
  const deliver = (id: number): Message => {
    count.set(id, (count.get(id) ?? 0) + 1);
    return { id, delivery: count.get(id)! };
  };
  const ids = span(1, 30);
  return [
    ...ids.map(deliver),
    ...ids.filter((id) => id % 3 === 0).map(deliver),
    ...ids.filter((id) => id % 5 === 0).map(deliver),
    ...ids.filter((id) => id % 5 === 0).map(deliver),
  ];
})();

export interface DedupState {
  seen?: Set<number>;
}

export const deduplicator = pipeline<DedupState>('deduplicator', { module: import.meta.url }, (p) => {
  p.beforeRun((ctx) => {
    ctx.state.seen = new Set();
  });
  p.producer('deliveries', () => DELIVERIES);
  p.processor('dedup', (m: Message, _out, ctx) => {
    const seen = ctx.state.seen!;
    if (seen.has(m.id)) return undefined; // a repeat: emit nothing
    seen.add(m.id);
    return m;
  });
  p.consumer('handle', (m: Message, _out, ctx) => {
    ctx.collect('handled', m);
  });
});

if (isMain(import.meta)) {
  const result = await deduplicator.run();
  const handled = (result.collected.handled ?? []) as Message[];
  const dedup = result.stats.stages.dedup!;
  const repeats = DELIVERIES.length - 30;
  console.log(
    `58 ${DELIVERIES.length} deliveries of 30 messages: dedup in ${dedup.in}, out ${dedup.out}, filtered ${dedup.filtered}; handled ${handled.length}`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    handled
      .map((m) => m.id)
      .sort((a, b) => a - b)
      .join() === span(1, 30).join(),
    'each of the 30 messages was handled exactly once',
  );
  expect(
    handled.every((m) => m.delivery === 1),
    'the first delivery of each message was the one kept',
  );
  expect(dedup.in === DELIVERIES.length && dedup.out === 30, `dedup received all ${DELIVERIES.length} deliveries and passed 30`);
  expect(dedup.filtered === repeats && dedup.failed === 0, `the ${repeats} repeats were counted as filtered, not as failures`);
  done('58-deduplicator');
}
