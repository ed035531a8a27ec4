/**
 * 40 backpressure: a fast producer and a slow consumer. `out.emit` waits while the consumer's queue
 * (`queueSize: 5`) is full, so the producer never runs far ahead and memory stays bounded, whatever the
 * number of items.
 *
 * Run: npx tsx examples/40-backpressure.ts   or   npx minigun run examples/40-backpressure.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect } from './lib/check.js';

const COUNT = 200;
let produced = 0;
let consumed = 0;

export const backpressure = pipeline('backpressure', { module: import.meta.url }, (p) => {
  p.producer('fast', async (out) => {
    for (let i = 0; i < COUNT; i++) {
      await out.emit(i); // resolves only once the consumer's queue has room
      produced++;
    }
  });
  p.consumer('slow', { queueSize: 5, concurrency: 2 }, async (_n: number, _out, ctx) => {
    await new Promise((r) => setTimeout(r, 2));
    consumed++;
    ctx.collect('lag', produced - consumed);
  });
});

if (isMain(import.meta)) {
  const result = await backpressure.run();
  const lag = Math.max(...((result.collected.lag ?? [0]) as number[]));
  const q = result.stats.stages.slow!.queue;
  console.log(`40 backpressure: ${COUNT} items; the producer ran at most ${lag} items ahead; queue max ${q.max} of capacity ${q.capacity}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(consumed === COUNT, `the consumer handled all ${COUNT} items`);
  // queueSize + concurrency + the item in the producer's hand, with a little slack.
  expect(lag <= 10, `the producer stayed within the bound (at most ${lag} ahead, bound ~8)`);
  expect(q.max <= 5 + 2, `the queue never grew past its bound (max ${q.max})`);
  done('40-backpressure');
}
