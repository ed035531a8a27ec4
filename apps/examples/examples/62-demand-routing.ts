/**
 * 62 demand routing: `dispatch: 'demand'` sends each item to the target with the most free room (free slots
 * plus room in its queue) — so a fast target, which frees its room quickly, takes most of the work, and a slow
 * one only what it can keep up with. Round-robin would give both the same share and leave the fast one idle
 * while the slow one's queue grows.
 *
 *   jobs ─demand─> fast (2 ms a job) | slow (60 ms a job) ─> done
 *
 * Small queues (`queueSize: 2`) make room a signal: with the default 1000 both targets would look free until
 * far more items were queued than they could handle soon.
 *
 * Run: npx tsx examples/62-demand-routing.ts   or   npx minigun run examples/62-demand-routing.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

const JOBS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const demandRouting = pipeline('demand-routing', { module: import.meta.url }, (p) => {
  p.producer('jobs', { to: ['fast', 'slow'], dispatch: 'demand' }, () => span(1, JOBS));
  p.processor('fast', { queueSize: 2, to: 'done' }, async (job: number) => {
    await sleep(2);
    return { job, by: 'fast' };
  });
  p.processor('slow', { queueSize: 2, to: 'done' }, async (job: number) => {
    await sleep(60);
    return { job, by: 'slow' };
  });
  p.consumer('done', (r: { job: number; by: string }, _out, ctx) => {
    ctx.collect('done', r);
  });
});

if (isMain(import.meta)) {
  const result = await demandRouting.run();
  const doneJobs = (result.collected.done ?? []) as Array<{ job: number; by: string }>;
  const fast = result.stats.stages.fast!.in;
  const slow = result.stats.stages.slow!.in;
  console.log(`62 demand: fast took ${fast} jobs, slow ${slow} (round-robin would give each ${JOBS / 2})`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(doneJobs.length === JOBS && new Set(doneJobs.map((d) => d.job)).size === JOBS, `each of the ${JOBS} jobs was done exactly once`);
  expect(fast + slow === JOBS && slow >= 1, 'both targets took part');
  // The fast target is ten times quicker; a loose bound that still rules out an even split.
  expect(fast >= 2 * slow, `the fast target took most of the jobs (${fast} against ${slow})`);
  done('62-demand-routing');
}
