/**
 * 38 emit to a stage across contexts: `out.to(name).emit(x)` routes one item to any stage, whatever its
 * strategy. Here a stage running in child processes (cow-fork) sends to an inline stage in the parent and to
 * a stage in a thread pool, neither of which is wired to it.
 *
 * Run: npx tsx examples/38-emit-to-stage-across-contexts.ts   or   npx minigun run examples/38-emit-to-stage-across-contexts.ts
 */
import { threadId } from 'node:worker_threads';
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import '@minigun/strategy-thread/register';
import { done, expect, sortedNumbers } from './lib/check.js';

interface Routed {
  n: number;
  from: number;
}

export const crossContext = pipeline('cross-context', { module: import.meta.url }, (p) => {
  p.producer('gen', () => [1, 2, 3, 4]);
  p.processor('router', { strategy: 'cow-fork', concurrency: 2, to: [] }, async (n: number, out) => {
    if (n % 2 === 0) await out.to('evens').emit({ n, from: process.pid } satisfies Routed);
    else await out.to('odds').emit({ n, from: process.pid } satisfies Routed);
  });
  p.consumer('evens', { from: [] }, (r: Routed, _out, ctx) => {
    ctx.collect('evens', { ...r, pid: process.pid, threadId });
  });
  p.consumer('odds', { from: [], strategy: 'thread', concurrency: 1 }, (r: Routed, _out, ctx) => {
    ctx.collect('odds', { ...r, pid: process.pid, threadId });
  });
});

if (isMain(import.meta)) {
  const result = await crossContext.run();
  type Got = Routed & { pid: number; threadId: number };
  const evens = (result.collected.evens ?? []) as Got[];
  const odds = (result.collected.odds ?? []) as Got[];
  console.log(
    `38 evens (inline) ${evens.map((e) => `${e.n} from child ${e.from}`).join(', ')}; odds (thread) ${odds.map((o) => `${o.n} from child ${o.from}`).join(', ')}`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    sortedNumbers(evens.map((e) => e.n)).join() === '2,4' && evens.every((e) => e.pid === process.pid && e.threadId === threadId),
    'evens reached the inline stage in the parent',
  );
  expect(sortedNumbers(odds.map((o) => o.n)).join() === '1,3' && odds.every((o) => o.threadId !== threadId), 'odds reached the stage in a worker thread');
  expect(
    [...evens, ...odds].every((x) => x.from !== process.pid),
    'both were sent from child processes',
  );
  done('38-emit-to-stage-across-contexts');
}
