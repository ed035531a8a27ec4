/**
 * 35 nested contexts: `p.with(options, …)` applies a strategy to every stage inside; contexts nest and the
 * innermost wins. Threads → batch (always in the parent) → per-batch processes → back to inline.
 *
 *   with thread ×2 { parse → batch(4) → with cow-fork ×2 { sum } } → report (inline)
 *
 * Run: npx tsx examples/35-nested-contexts.ts   or   npx minigun run examples/35-nested-contexts.ts
 */
import { threadId } from 'node:worker_threads';
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-thread/register';
import '@minigun/strategy-fork/register';
import { distinct, done, expect, span } from './lib/check.js';

export const nestedContexts = pipeline('nested-contexts', { module: import.meta.url }, (p) => {
  p.producer('gen', () => span(1, 16).map(String));
  p.with({ strategy: 'thread', concurrency: 2 }, (q) => {
    q.processor('parse', (s: string, _out, ctx) => {
      ctx.collect('where', { stage: 'parse', pid: process.pid, threadId });
      return Number.parseInt(s, 10);
    });
    q.batch(4); // accumulators ignore contexts: the batch runs in the parent
    q.with({ strategy: 'cow-fork', concurrency: 2 }, (r) => {
      r.processor('sum', (batch: number[], _out, ctx) => {
        ctx.collect('where', { stage: 'sum', pid: process.pid, threadId });
        return { sum: batch.reduce((a, b) => a + b, 0), size: batch.length };
      });
    });
  });
  p.consumer('report', (x: { sum: number; size: number }, _out, ctx) => {
    ctx.collect('where', { stage: 'report', pid: process.pid, threadId });
    ctx.collect('sums', x);
  });
});

if (isMain(import.meta)) {
  const result = await nestedContexts.run();
  const where = (result.collected.where ?? []) as Array<{ stage: string; pid: number; threadId: number }>;
  const sums = (result.collected.sums ?? []) as Array<{ sum: number; size: number }>;
  for (const s of ['parse', 'batch', 'sum', 'report']) console.log(`35 ${s.padEnd(6)} → ${result.stats.stages[s]?.strategy}`);
  const of = (stage: string) => where.filter((w) => w.stage === stage);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    result.stats.stages.parse?.strategy === 'thread' && result.stats.stages.sum?.strategy === 'cow-fork' && result.stats.stages.report?.strategy === 'inline',
    'strategies follow the nesting: thread, cow-fork inside it, inline outside',
  );
  expect(result.stats.stages.batch?.strategy === 'inline', 'the batch ran in the parent, whatever the context');
  expect(
    of('parse').every((w) => w.pid === process.pid && w.threadId !== threadId),
    'parse ran in worker threads',
  );
  expect(
    distinct(of('sum').map((w) => w.pid)).length === 4 && of('sum').every((w) => w.pid !== process.pid),
    'sum ran each of the 4 batches in its own child process',
  );
  expect(
    of('report').every((w) => w.pid === process.pid && w.threadId === threadId),
    'report ran inline in the main thread',
  );
  expect(sums.reduce((a, s) => a + s.sum, 0) === 136 && sums.every((s) => s.size === 4), 'the sums add up to 1+…+16 = 136');
  done('35-nested-contexts');
}
