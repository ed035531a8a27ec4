/**
 * 57 custom batching: `p.accumulator(name, { maxSize, key }, fn)` keeps one buffer per key — here per event
 * type — and flushes each on its own when it holds `maxSize` items, and what is left at the end. `fn` turns a
 * flushed buffer into what goes downstream (one bulk write per type).
 *
 *   events ─> by-type (accumulator: maxSize 4, key: type) ─> write
 *
 * Run: npx tsx examples/57-custom-batching.ts   or   npx minigun run examples/57-custom-batching.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

interface Event {
  id: number;
  type: 'click' | 'view' | 'purchase';
}

/** 20 events, interleaved: 10 clicks (even ids), 3 purchases (5, 7, 17), 7 views. */
export const EVENTS: Event[] = span(1, 20).map((id) => ({ id, type: id % 2 === 0 ? 'click' : [5, 7, 17].includes(id) ? 'purchase' : 'view' }));

interface BulkWrite {
  table: string;
  ids: number[];
}

export const customBatching = pipeline('custom-batching', { module: import.meta.url }, (p) => {
  p.producer('events', () => EVENTS);
  p.accumulator(
    'by-type',
    { maxSize: 4, key: (e: Event) => e.type },
    (events: Event[]): BulkWrite => ({ table: `${events[0]!.type}_events`, ids: events.map((e) => e.id) }),
  );
  p.consumer('write', (w: BulkWrite, _out, ctx) => {
    ctx.collect('writes', w);
  });
});

if (isMain(import.meta)) {
  const result = await customBatching.run();
  const writes = (result.collected.writes ?? []) as BulkWrite[];
  for (const w of writes) console.log(`57 write ${w.table.padEnd(16)} [${w.ids.join(', ')}]`);
  const typeOf = new Map(EVENTS.map((e) => [e.id, e.type]));
  const sizes = (table: string) =>
    writes
      .filter((w) => w.table === table)
      .map((w) => w.ids.length)
      .join();
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    writes.every((w) => w.ids.every((id) => `${typeOf.get(id)}_events` === w.table)),
    'every flush held events of one type only',
  );
  expect(
    writes
      .flatMap((w) => w.ids)
      .sort((a, b) => a - b)
      .join() === span(1, 20).join(),
    'every event was written exactly once',
  );
  expect(
    sizes('click_events') === '4,4,2' && sizes('view_events') === '4,3' && sizes('purchase_events') === '3',
    'each type flushed at 4 on its own, its remainder at the end (clicks 4,4,2; views 4,3; purchases 3)',
  );
  expect(
    writes.every((w) => w.ids.every((id, i) => i === 0 || id > w.ids[i - 1]!)),
    'within a flush, events kept their order',
  );
  done('57-custom-batching');
}
