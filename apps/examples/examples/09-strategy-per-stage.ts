/**
 * 09 strategy per stage: each stage picks where it runs.
 *
 *   generate (inline) ─> hash (thread pool) ─> transform (ipc-fork pool) ─> batch(5) ─> save (cow-fork: a fresh child per batch)
 *
 * The Ruby version wrote the children's results to a tempfile and read it back after the run; here
 * `ctx.collect` brings them back to `result.collected`, whatever the strategy.
 *
 * Run: npx tsx examples/09-strategy-per-stage.ts   or   npx minigun run examples/09-strategy-per-stage.ts
 */
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-thread/register';
import '@minigun/strategy-fork/register';
import { distinct, done, expect, span } from './lib/check.js';

interface Hashed {
  n: number;
  sha: string;
}

export const strategyPerStage = pipeline('strategy-per-stage', { module: import.meta.url }, (p) => {
  p.producer('generate', () => span(1, 20));
  p.processor('hash', { strategy: 'thread', concurrency: 2 }, (n: number, _out, ctx): Hashed => {
    ctx.collect('where', { stage: 'hash', pid: process.pid, threadId });
    return { n, sha: createHash('sha256').update(String(n)).digest('hex').slice(0, 8) };
  });
  p.processor('transform', { strategy: 'ipc-fork', concurrency: 2 }, (h: Hashed, _out, ctx) => {
    ctx.collect('where', { stage: 'transform', pid: process.pid, threadId });
    return { ...h, doubled: h.n * 2 };
  });
  p.batch(5);
  p.consumer('save', { strategy: 'cow-fork', concurrency: 2 }, (batch: Array<Hashed & { doubled: number }>, _out, ctx) => {
    ctx.collect('where', { stage: 'save', pid: process.pid, threadId });
    ctx.collect(
      'saved',
      batch.map((x) => x.doubled),
    );
  });
});

if (isMain(import.meta)) {
  const result = await strategyPerStage.run();
  const where = (result.collected.where ?? []) as Array<{ stage: string; pid: number; threadId: number }>;
  const saved = ((result.collected.saved ?? []) as number[][]).flat();
  const of = (stage: string) => where.filter((w) => w.stage === stage);
  for (const stage of ['hash', 'transform', 'save']) {
    console.log(`09 ${stage.padEnd(9)} strategy ${result.stats.stages[stage]?.strategy?.padEnd(8)} pids ${distinct(of(stage).map((w) => w.pid)).join(',')}`);
  }
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    saved.sort((a, b) => a - b).join() ===
      span(1, 20)
        .map((n) => n * 2)
        .join(),
    'every item was saved exactly once, doubled',
  );
  expect(
    of('hash').every((w) => w.pid === process.pid && w.threadId !== threadId),
    'hash ran in worker threads of this process',
  );
  expect(
    of('transform').every((w) => w.pid !== process.pid) && distinct(of('transform').map((w) => w.pid)).length <= 2,
    'transform ran in at most 2 persistent child processes',
  );
  expect(
    distinct(of('save').map((w) => w.pid)).length === 4 && of('save').every((w) => w.pid !== process.pid),
    'save ran each of the 4 batches in a fresh child process',
  );
  done('09-strategy-per-stage');
}
