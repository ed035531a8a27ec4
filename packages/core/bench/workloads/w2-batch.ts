/**
 * Workload 2: producer → +1 → batch(1000) → ×2 over the batch → consumer sums the batch.
 * Minigun `p.batch(1000)` against a stream pipeline with a batching Transform and an async generator chain.
 */
import { pipeline as streamPipeline } from 'node:stream/promises';
import { pipeline } from '@minigun/core';
import type { Workload } from '@minigun/bench-harness';
import { assertCompleted, expectedSum } from '../checks.js';
import { CountingSource, batchAsyncGen, batchTransform, countAsync, count, mapAsyncGen, mapTransform, sinkWritable } from '../streams.js';

const BATCH = 1000;
const inc = (x: number): number => x + 1;
const dblBatch = (b: number[]): number[] => b.map((x) => x * 2);
const sumBatch = (b: number[]): number => {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += b[i]!;
  return s;
};

export async function minigunBatch(n: number): Promise<number> {
  let sum = 0;
  const p = pipeline('bench-w2', (p) => {
    p.producer('generate', () => count(n));
    p.processor('inc', (x: number) => x + 1);
    p.batch(BATCH);
    p.processor('double', (b: number[]) => dblBatch(b));
    p.consumer('sum', (b: number[]) => {
      sum += sumBatch(b);
    });
  });
  assertCompleted(await p.run(), 'minigun w2');
  return sum;
}

export async function streamBatch(n: number): Promise<number> {
  let sum = 0;
  await streamPipeline(
    new CountingSource(n),
    mapTransform(inc),
    batchTransform<number>(BATCH),
    mapTransform(dblBatch),
    sinkWritable((b: number[]) => {
      sum += sumBatch(b);
    }),
  );
  return sum;
}

export async function asyncGenBatch(n: number): Promise<number> {
  let sum = 0;
  for await (const b of mapAsyncGen(batchAsyncGen(mapAsyncGen(countAsync(n), inc), BATCH), dblBatch)) sum += sumBatch(b);
  return sum;
}

export function workload2(n: number): Workload {
  return {
    id: 'w2',
    title: `producer → +1 → batch(${BATCH}) → ×2 per batch → sum batches`,
    items: n,
    expected: expectedSum(n),
    variants: [
      { name: 'minigun inline + p.batch', role: 'minigun', run: () => minigunBatch(n) },
      { name: 'stream.pipeline + batching Transform', role: 'baseline', run: () => streamBatch(n) },
      { name: 'async generator chain + batching', role: 'baseline', run: () => asyncGenBatch(n) },
    ],
  };
}
