/**
 * 21 inline hook procs: hooks given in a stage's own options (`hooks: { before, after, beforeFork, afterFork }`)
 * instead of `p.before('stage', …)`. beforeFork runs in the parent before each child; afterFork in the child.
 *
 * Run: npx tsx examples/21-inline-hook-procs.ts   or   npx minigun run examples/21-inline-hook-procs.ts
 */
import { isMain, pipeline, type RunContext, type StageHookInfo } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { done, expect } from './lib/check.js';

interface HookEvent {
  hook: string;
  pid: number;
  n?: number;
}

const record =
  (hook: string) =>
  (ctx: RunContext, _info?: StageHookInfo): void => {
    ctx.collect('events', { hook, pid: ctx.pid } satisfies HookEvent);
  };

export const inlineHookProcs = pipeline('inline-hook-procs', { module: import.meta.url }, (p) => {
  p.producer('gen', () => [1, 2, 3]);
  p.consumer(
    'work',
    {
      strategy: 'cow-fork',
      concurrency: 1,
      hooks: { before: record('before'), after: record('after'), beforeFork: record('beforeFork'), afterFork: record('afterFork') },
    },
    (n: number, _out, ctx) => {
      ctx.collect('events', { hook: 'work', pid: process.pid, n } satisfies HookEvent);
    },
  );
});

if (isMain(import.meta)) {
  const result = await inlineHookProcs.run();
  const events = (result.collected.events ?? []) as HookEvent[];
  const where = (e: HookEvent) => (e.pid === process.pid ? 'parent' : `child ${e.pid}`);
  console.log(`21 hooks: ${events.map((e) => `${e.hook}${e.n === undefined ? '' : `(${e.n})`}@${where(e)}`).join(' → ')}`);
  const count = (hook: string) => events.filter((e) => e.hook === hook).length;
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(events[0]?.hook === 'before' && events[events.length - 1]?.hook === 'after', 'before ran first and after last');
  expect(
    count('beforeFork') === 3 && events.filter((e) => e.hook === 'beforeFork').every((e) => e.pid === process.pid),
    'beforeFork ran 3 times, in the parent',
  );
  expect(
    count('afterFork') === 3 && events.filter((e) => e.hook === 'afterFork').every((e) => e.pid !== process.pid),
    'afterFork ran 3 times, in the children',
  );
  const afterForkPids = new Set(events.filter((e) => e.hook === 'afterFork').map((e) => e.pid));
  expect(
    events.filter((e) => e.hook === 'work').every((e) => afterForkPids.has(e.pid)),
    'each item ran in a child whose afterFork ran',
  );
  done('21-inline-hook-procs');
}
