/**
 * 51 restart policies: what an `ipc-fork` stage does when one of its persistent children dies.
 *
 *   jobs ─> convert (ipc-fork, 1 child) ─> done
 *
 * Jobs 3, 6 and 9 crash the child that runs them on their first attempt (`process.exit(3)`, as a native
 * library that aborts would). Three policies, one run each, with `retries: 1`:
 * - `restart: 'permanent'` (the default): every dead child is replaced; the crashed jobs run again in a
 *   fresh child and succeed. Nothing fails.
 * - `restart: 'permanent', maxRestarts: 1`: the second death within `restartWindowMs` is one too many: the
 *   stage starts no more children and its remaining jobs fail at once with ERR_MINIGUN_WORKER_DIED, instead
 *   of restarting children forever. The run still ends.
 * - `restart: 'never'`: the dead child is not replaced; with no child left every remaining job fails.
 * `restart: 'transient'` (not shown) replaces without counting a child that exits with code 0.
 * Each run uses `maxChunk: 1`, so that a child holds one job at a time: with the default, a deep queue sends
 * a chunk of jobs to a child, and every job of the chunk that had not finished fails with it and is retried.
 *
 * Run: npx tsx examples/51-restart-policies.ts
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunResult, Registry, isMain, pipeline } from '@minigun/core';
import { forkStrategies, type ForkStrategyOptions } from '@minigun/strategy-fork';
import { done, expect, span } from './lib/check.js';

const JOBS = span(1, 10);
const CRASHING = [3, 6, 9];

interface State {
  /** Where first attempts leave a mark, so that only the first attempt of a crashing job crashes. */
  dir: string;
}

export const restartPolicies = pipeline<State>('restart-policies', { module: import.meta.url }, (p) => {
  p.producer('jobs', () => JOBS);
  p.processor('convert', { strategy: 'ipc-fork', concurrency: 1, retries: 1 }, (job: number, _out, ctx) => {
    const mark = join(ctx.state.dir, `tried-${job}`);
    if (CRASHING.includes(job) && !existsSync(mark)) {
      writeFileSync(mark, String(process.pid));
      process.exit(3); // the child dies in the middle of the job
    }
    return { job, pid: process.pid };
  });
  p.consumer('done', (r: { job: number; pid: number }, _out, ctx) => {
    ctx.collect('converted', r);
  });
});

/** One run of the pipeline under `options`, in a fresh marks directory. */
async function runWith(options: ForkStrategyOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'minigun-example-51-'));
  try {
    return await restartPolicies.run({ state: { dir }, registry: new Registry().use(forkStrategies({ maxChunk: 1, ...options })) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const converted = (r: RunResult) => ((r.collected.converted ?? []) as Array<{ job: number; pid: number }>).map((c) => c.job).sort((a, b) => a - b);

if (isMain(import.meta)) {
  const permanent = await runWith({ restart: 'permanent' });
  const pids = new Set(((permanent.collected.converted ?? []) as Array<{ pid: number }>).map((c) => c.pid));
  console.log(`51 permanent: ${converted(permanent).length} jobs converted by ${pids.size} children, ${permanent.stats.stages.convert!.retried} retried`);
  expect(permanent.status === 'completed', `permanent: the run completed (status ${permanent.status})`);
  expect(converted(permanent).join() === JOBS.join(), 'permanent: every job was converted, the crashed ones in a fresh child');
  expect(pids.size === CRASHING.length + 1, `permanent: each crash was followed by a new child (${pids.size} children in all)`);
  expect(permanent.stats.stages.convert!.retried === CRASHING.length, 'permanent: only the crashed jobs were retried');

  const limited = await runWith({ restart: 'permanent', maxRestarts: 1 });
  const limitError = limited.errors.find((e) => e.message.includes('restart limit'));
  console.log(`51 maxRestarts 1: ${converted(limited).length} converted, ${limited.stats.stages.convert!.failed} failed: ${limitError?.message.slice(0, 90)}…`);
  expect(limited.status === 'completed', `maxRestarts 1: the run still ended (status ${limited.status})`);
  expect(converted(limited).join() === span(1, 5).join(), 'maxRestarts 1: jobs 1–5 were converted (job 3 after the first restart)');
  expect(limited.stats.stages.convert!.failed === JOBS.length - 5, 'maxRestarts 1: the second death stopped the stage; jobs 6–10 failed');
  expect(
    (limitError?.error as { code?: string } | undefined)?.code === 'ERR_MINIGUN_WORKER_DIED',
    'maxRestarts 1: the error says the stage hit its restart limit',
  );

  const never = await runWith({ restart: 'never' });
  const noChild = never.errors.find((e) => e.message.includes('no child process left'));
  console.log(`51 never: ${converted(never).length} converted, ${never.stats.stages.convert!.failed} failed`);
  expect(converted(never).join() === '1,2', 'never: jobs 1 and 2 ran before the only child died on job 3');
  expect(never.stats.stages.convert!.failed === JOBS.length - 2, 'never: job 3 and every job after it failed, with no child left');
  expect(noChild !== undefined, 'never: the error says no child process is left');
  done('51-restart-policies');
}
