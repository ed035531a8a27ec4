/**
 * 56 thread per batch: `strategy: 'thread-per-batch'` runs each input — here a batch of 5 — in a fresh
 * worker thread that ends after it, with at most `concurrency` threads alive at once. Nothing a batch leaves
 * behind in its thread (module globals, caches, leaked memory) reaches the next batch.
 *
 *   numbers ─> batch(5) ─> sum (a fresh thread per batch, 2 at most) ─> report
 *
 * Run: npx tsx examples/56-thread-per-batch.ts   or   npx minigun run examples/56-thread-per-batch.ts
 */
import { threadId } from 'node:worker_threads';
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-thread/register';
import { distinct, done, expect, span } from './lib/check.js';

/** Batches this thread has run: a module global, which a fresh thread starts again at 0. */
let batchesInThisThread = 0;

interface BatchResult {
  first: number;
  size: number;
  sum: number;
  threadId: number;
  batchesInThisThread: number;
}

export const threadPerBatch = pipeline('thread-per-batch', { module: import.meta.url }, (p) => {
  p.producer('numbers', () => span(1, 20));
  p.batch(5);
  p.processor('sum', { strategy: 'thread-per-batch', concurrency: 2 }, (batch: number[]): BatchResult => {
    batchesInThisThread++;
    return { first: batch[0]!, size: batch.length, sum: batch.reduce((a, b) => a + b, 0), threadId, batchesInThisThread };
  });
  p.consumer('report', (r: BatchResult, _out, ctx) => {
    ctx.collect('batches', r);
  });
});

if (isMain(import.meta)) {
  const result = await threadPerBatch.run();
  const batches = ((result.collected.batches ?? []) as BatchResult[]).sort((a, b) => a.first - b.first);
  for (const b of batches) console.log(`56 batch from ${String(b.first).padStart(2)}: ${b.size} items, sum ${b.sum}, thread ${b.threadId}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(batches.map((b) => b.sum).join() === '15,40,65,90', 'the 4 batches of 5 were summed, each once');
  expect(
    distinct(batches.map((b) => b.threadId)).length === 4 && !batches.some((b) => b.threadId === threadId),
    'each batch ran in a worker thread of its own',
  );
  expect(
    batches.every((b) => b.batchesInThisThread === 1),
    'every thread started fresh: its module global had counted no batch before',
  );
  done('56-thread-per-batch');
}
