/**
 * 39 timed batch: `p.batch(size, { maxWaitMs })` flushes when the batch is full OR when its oldest item has
 * waited maxWaitMs — so a slow trickle of items still gets written out promptly instead of waiting for a
 * full batch. Here items arrive in bursts with pauses; batches of up to 100 flush on time.
 *
 * Run: npx tsx examples/39-timed-batch.ts   or   npx minigun run examples/39-timed-batch.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const timedBatch = pipeline('timed-batch', { module: import.meta.url }, (p) => {
  p.producer('bursts', async (out) => {
    for (let burst = 0; burst < 4; burst++) {
      for (const n of span(burst * 5 + 1, burst * 5 + 5)) await out.emit(n);
      await sleep(250); // a pause far longer than maxWaitMs
    }
  });
  p.batch(100, { maxWaitMs: 40 });
  p.consumer('write', (batch: number[], _out, ctx) => {
    ctx.collect('batches', batch);
  });
});

if (isMain(import.meta)) {
  const result = await timedBatch.run();
  const batches = (result.collected.batches ?? []) as number[][];
  console.log(`39 timed batch: ${batches.length} flushes: ${batches.map((b) => `[${b.join(',')}]`).join(' ')}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(batches.flat().join() === span(1, 20).join(), 'every item was flushed once, in order');
  // Without maxWaitMs there would be one flush of 20 at the end; with it, each burst flushes after its pause starts.
  expect(batches.length >= 4 && batches.every((b) => b.length <= 5), `flushed per burst on the timer (${batches.length} flushes, none above 5 items)`);
  done('39-timed-batch');
}
