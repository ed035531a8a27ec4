/**
 * 11 hooks: every hook point and the order they run in, with a stage in child processes.
 * beforeRun first, afterRun last; before/after around the stage's life; beforeFork in the parent before each
 * child, afterFork inside the child before its input. Within one point: pipeline-wide, then stage-bound, then
 * inline (the stage's `hooks` option).
 *
 * Run: npx tsx examples/11-hooks-example.ts   or   npx minigun run examples/11-hooks-example.ts
 */
import { isMain, pipeline, type RunContext } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { done, expect } from './lib/check.js';

interface HookEvent {
  hook: string;
  pid: number;
}
const record =
  (hook: string) =>
  (ctx: RunContext): void => {
    ctx.collect('events', { hook, pid: ctx.pid } satisfies HookEvent);
  };

export const hooks = pipeline('hooks', { module: import.meta.url }, (p) => {
  p.beforeRun(record('beforeRun'));
  p.beforeFork(record('beforeFork:pipeline'));
  p.beforeFork('work', record('beforeFork:stage'));
  p.afterFork(record('afterFork:pipeline'));
  p.afterFork('work', record('afterFork:stage'));
  p.before('work', record('before'));
  p.after('work', record('after'));
  p.afterRun((ctx) => record('afterRun')(ctx));
  p.producer('gen', () => [1, 2]);
  p.processor(
    'work',
    { strategy: 'cow-fork', concurrency: 1, hooks: { beforeFork: record('beforeFork:inline'), afterFork: record('afterFork:inline') } },
    (n: number, _out, ctx) => {
      ctx.collect('events', { hook: `work(${n})`, pid: process.pid } satisfies HookEvent);
      return n;
    },
  );
  p.consumer('sink', () => undefined);
});

if (isMain(import.meta)) {
  const result = await hooks.run();
  const events = (result.collected.events ?? []) as HookEvent[];
  const names = events.map((e) => e.hook);
  for (const e of events) console.log(`11 ${e.hook.padEnd(20)} ${e.pid === process.pid ? 'parent' : `child ${e.pid}`}`);
  const inParent = (hook: string) => events.filter((e) => e.hook === hook).every((e) => e.pid === process.pid);
  const inChild = (hook: string) => events.filter((e) => e.hook === hook).every((e) => e.pid !== process.pid);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(names[0] === 'beforeRun' && names[names.length - 1] === 'afterRun', 'beforeRun ran first, afterRun last');
  const work = names.flatMap((n, i) => (n.startsWith('work(') ? [i] : []));
  expect(
    work.length === 2 && names.indexOf('before') < Math.min(...work) && names.indexOf('after') > Math.max(...work),
    'before and after surround the stage’s work',
  );
  const forkOrder = names
    .filter((n) => n.startsWith('beforeFork'))
    .slice(0, 3)
    .join(' ');
  expect(forkOrder === 'beforeFork:pipeline beforeFork:stage beforeFork:inline', `fork hooks run pipeline-wide, stage-bound, inline: ${forkOrder}`);
  expect(
    names.filter((n) => n.startsWith('beforeFork')).length === 6 && ['beforeFork:pipeline', 'beforeFork:stage', 'beforeFork:inline'].every(inParent),
    'beforeFork ran in the parent, 3 hooks × 2 children',
  );
  expect(
    names.filter((n) => n.startsWith('afterFork')).length === 6 && ['afterFork:pipeline', 'afterFork:stage', 'afterFork:inline'].every(inChild),
    'afterFork ran in the children, 3 hooks × 2 children',
  );
  expect(inChild('work(1)') && inChild('work(2)'), 'the stage ran in the children');
  done('11-hooks-example');
}
