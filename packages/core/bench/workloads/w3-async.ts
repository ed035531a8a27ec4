/**
 * Workload 3: workload 1 with async stage functions (`async (n) => n + 1`, …, an async consumer).
 * Minigun inline (concurrency 1 per stage) against stream.pipeline with Transforms/Writable that await the
 * same async functions, stream.pipeline with async-generator stages, and a plain async generator chain.
 */
import { pipeline as streamPipeline } from 'node:stream/promises';
import { pipeline } from '@minigun/core';
import type { Workload } from '@minigun/bench-harness';
import { assertCompleted, expectedSum } from '../checks.js';
import { CountingSource, asyncMapTransform, asyncSinkWritable, awaitMapAsyncGen, count, countAsync } from '../streams.js';

const inc = async (x: number): Promise<number> => x + 1;
const dbl = async (x: number): Promise<number> => x * 2;

export async function minigunAsync(n: number): Promise<number> {
  let sum = 0;
  const p = pipeline('bench-w3', (p) => {
    p.producer('generate', () => count(n));
    p.processor('inc', async (x: number) => x + 1);
    p.processor('double', async (x: number) => x * 2);
    p.consumer('sum', async (x: number) => {
      sum += x;
    });
  });
  assertCompleted(await p.run(), 'minigun w3');
  return sum;
}

export async function streamAsyncTransforms(n: number): Promise<number> {
  let sum = 0;
  await streamPipeline(
    new CountingSource(n),
    asyncMapTransform(inc),
    asyncMapTransform(dbl),
    asyncSinkWritable(async (x: number) => {
      sum += x;
    }),
  );
  return sum;
}

export async function streamAsyncGenerators(n: number): Promise<number> {
  let sum = 0;
  const add = async (x: number): Promise<void> => {
    sum += x;
  };
  await streamPipeline(
    new CountingSource(n),
    (source: AsyncIterable<number>) => awaitMapAsyncGen(source, inc),
    (source: AsyncIterable<number>) => awaitMapAsyncGen(source, dbl),
    async (source: AsyncIterable<number>) => {
      for await (const x of source) await add(x);
    },
  );
  return sum;
}

export async function asyncGenChainAwait(n: number): Promise<number> {
  let sum = 0;
  const add = async (x: number): Promise<void> => {
    sum += x;
  };
  for await (const x of awaitMapAsyncGen(awaitMapAsyncGen(countAsync(n), inc), dbl)) await add(x);
  return sum;
}

export function workload3(n: number): Workload {
  return {
    id: 'w3',
    title: 'producer → async +1 → async ×2 → async sum',
    items: n,
    expected: expectedSum(n),
    variants: [
      { name: 'minigun inline, async fns', role: 'minigun', run: () => minigunAsync(n) },
      { name: 'stream.pipeline, async Transforms', role: 'baseline', run: () => streamAsyncTransforms(n) },
      { name: 'stream.pipeline, async gen stages', role: 'baseline', run: () => streamAsyncGenerators(n) },
      { name: 'async generator chain, awaits', role: 'baseline', run: () => asyncGenChainAwait(n) },
    ],
  };
}
