/**
 * Workload 1: producer → +1 → ×2 → sum consumer, all synchronous functions.
 * Minigun inline (the producer returns a sync generator, processors return values) against node:stream
 * pipeline() with object-mode Transforms (fast Readable source, and Readable.from(generator)) and a chain of
 * async generators. A sync generator chain is printed as a reference (no ratio): the floor of a pull loop.
 */
import { Readable } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { pipeline, type RunOptions } from '@minigun/core';
import type { Workload } from '@minigun/bench-harness';
import { assertCompleted, expectedSum } from '../checks.js';
import { CountingSource, count, countAsync, mapAsyncGen, mapTransform, sinkWritable } from '../streams.js';

const inc = (x: number): number => x + 1;
const dbl = (x: number): number => x * 2;

/** The Minigun variant, also run alone (fresh process) by the peak-RSS child. */
export async function minigunSync(n: number, options: RunOptions = {}): Promise<number> {
  let sum = 0;
  const p = pipeline('bench-w1', (p) => {
    p.producer('generate', () => count(n));
    p.processor('inc', (x: number) => x + 1);
    p.processor('double', (x: number) => x * 2);
    p.consumer('sum', (x: number) => {
      sum += x;
    });
  });
  assertCompleted(await p.run(options), 'minigun w1');
  return sum;
}

export async function streamFast(n: number): Promise<number> {
  let sum = 0;
  await streamPipeline(
    new CountingSource(n),
    mapTransform(inc),
    mapTransform(dbl),
    sinkWritable((x: number) => {
      sum += x;
    }),
  );
  return sum;
}

export async function streamFrom(n: number): Promise<number> {
  let sum = 0;
  await streamPipeline(
    Readable.from(count(n)),
    mapTransform(inc),
    mapTransform(dbl),
    sinkWritable((x: number) => {
      sum += x;
    }),
  );
  return sum;
}

export async function asyncGenChain(n: number): Promise<number> {
  let sum = 0;
  for await (const x of mapAsyncGen(mapAsyncGen(countAsync(n), inc), dbl)) sum += x;
  return sum;
}

function* mapGen<I, O>(source: Iterable<I>, f: (x: I) => O): Generator<O> {
  for (const x of source) yield f(x);
}

export async function syncGenChain(n: number): Promise<number> {
  let sum = 0;
  for (const x of mapGen(mapGen(count(n), inc), dbl)) sum += x;
  return sum;
}

export function workload1(n: number): Workload {
  return {
    id: 'w1',
    title: 'producer → +1 → ×2 → sum (sync stage functions)',
    items: n,
    expected: expectedSum(n),
    variants: [
      { name: 'minigun inline', role: 'minigun', run: () => minigunSync(n) },
      { name: 'stream.pipeline, fast Readable', role: 'baseline', run: () => streamFast(n) },
      { name: 'stream.pipeline, Readable.from(gen)', role: 'baseline', run: () => streamFrom(n) },
      { name: 'async generator chain', role: 'baseline', run: () => asyncGenChain(n) },
      { name: 'sync generator chain (floor)', role: 'reference', run: () => syncGenChain(n) },
    ],
  };
}
