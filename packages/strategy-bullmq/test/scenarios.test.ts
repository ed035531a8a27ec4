/**
 * The reference scenarios of the fork strategies, on bullmq: the bullmq stages run in two
 * `minigun-bullmq-worker` processes started by the test (separate processes, as on other machines), next to
 * inline and ipc-fork stages in the parent. Each scenario checks the exact outputs, the accounting, and that
 * no key of the run is left in Redis.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry, RunResult } from '@minigun/core';
import { forkStrategies } from '@minigun/strategy-fork';
import { batchAndProcess, crossContext, errorHandling, forkHooks, statistics, strategyPerStage } from './fixtures/scenarios.mjs';
import { assertAccounting, codeOf, itemErrors, redisForFile, registry, sorted, startWorker, tempDir, type WorkerProcess } from './util.js';

const span = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const distinct = <T>(values: T[]): T[] => [...new Set(values)];
const MODULE = new URL('./fixtures/scenarios.mjs', import.meta.url).pathname;

interface WorkerDetail {
  host: string;
  pid: number;
  workerId: number;
  jobs: number;
  inputs: number;
}

const redis = redisForFile();
let workers: WorkerProcess[] = [];
let workerPids: number[] = [];
beforeAll(async () => {
  // Two worker processes, each serving every bullmq stage of the scenario module, two jobs at once.
  workers = await Promise.all([0, 1].map(() => startWorker(MODULE, redis.url, ['--concurrency', '2'])));
  workerPids = workers.map((w) => w.pid);
}, 60_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
});

const mixed = (): Registry => registry({ connection: redis.url }).use(forkStrategies());

/** Every run: accounted, and nothing of it left in Redis. */
async function settled(r: RunResult): Promise<void> {
  assertAccounting(r);
  expect(await redis.keys('*:minigun:run:*')).toEqual([]);
}

const detailsOf = (r: RunResult, stage: string): WorkerDetail[] => (r.stats.stages[stage]!.strategyDetails?.workers ?? []) as WorkerDetail[];

describe('reference scenarios on bullmq, workers in separate processes', () => {
  it('strategy per stage: inline producer → ipc-fork → bullmq → inline consumer; every item through all', async () => {
    const r = await strategyPerStage.run({ registry: mixed() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(r.stats.stages.generate!.strategy).toBe('inline');
    expect(r.stats.stages.double!.strategy).toBe('ipc-fork');
    expect(r.stats.stages.square!.strategy).toBe('bullmq');
    expect(r.stats.stages.save!.strategy).toBe('inline');
    const saved = r.collected.saved as Array<{ n: number; doubledBy: number; squaredBy: number; savedBy: number }>;
    expect(sorted(saved.map((s) => s.n))).toEqual(span(1, 20).map((n) => 4 * n * n));
    const doublePids = distinct(saved.map((s) => s.doubledBy));
    const squarePids = distinct(saved.map((s) => s.squaredBy));
    expect(doublePids.length).toBeGreaterThanOrEqual(1);
    expect(doublePids.length).toBeLessThanOrEqual(2);
    for (const pid of doublePids) {
      expect(pid).not.toBe(process.pid);
      expect(workerPids).not.toContain(pid);
    }
    for (const pid of squarePids) expect(workerPids).toContain(pid);
    for (const s of saved) expect(s.savedBy).toBe(process.pid);
    await settled(r);
  }, 60_000);

  it('hooks with fork events: beforeFork once in the parent, afterFork once per worker process that joined, before its inputs', async () => {
    const state = { delayMs: 30 };
    const r = await forkHooks.run({ state, registry: mixed() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const events = r.collected.events as Array<{ hook: string; level?: string; pid: number; stage?: string; workerId?: number }>;
    const names = events.map((e) => e.hook);
    expect(names[0]).toBe('beforeRun');
    expect(names.at(-1)).toBe('afterRun');
    for (const h of ['beforeRun', 'before', 'after', 'afterRun']) expect(names.filter((n) => n === h)).toHaveLength(1);
    // beforeFork: once, in the parent, when the stage opens (the state snapshot stored in Redis follows it).
    const beforeFork = events.filter((e) => e.hook === 'beforeFork');
    expect(beforeFork.map((e) => e.level)).toEqual(['pipeline', 'stage', 'inline']);
    for (const e of beforeFork) expect(e.pid).toBe(process.pid);
    expect(names.indexOf('before')).toBeLessThan(names.indexOf('beforeFork'));
    // afterFork: in each worker process that took a job of the run, once per run, with its worker id.
    const out = r.collected.out as Array<{ n: number; pid: number; workerId: number; joined?: { pid: number; workerId: number } }>;
    expect(sorted(out.map((x) => x.n))).toEqual(span(1, 12));
    const afterFork = events.filter((e) => e.hook === 'afterFork');
    const forkPids = distinct(afterFork.map((e) => e.pid));
    expect(sorted(forkPids)).toEqual(sorted(distinct(out.map((x) => x.pid))));
    for (const pid of forkPids) {
      expect(workerPids).toContain(pid);
      expect(afterFork.filter((e) => e.pid === pid).map((e) => e.level)).toEqual(['pipeline', 'stage', 'inline']);
    }
    expect(distinct(afterFork.map((e) => e.workerId))).toHaveLength(forkPids.length);
    // What afterFork set in a worker's state is what that worker's inputs saw.
    for (const x of out) expect(x.joined).toEqual({ pid: x.pid, workerId: x.workerId });
    // The stage's workers in the stats are those processes.
    expect(sorted(r.stats.stages.work!.workers!.map((w) => w.pid!))).toEqual(sorted(forkPids));
    expect(names.lastIndexOf('after')).toBeGreaterThan(names.lastIndexOf('afterFork'));
    // The parent's state is untouched by the workers' afterFork.
    expect(state).toEqual({ delayMs: 30 });
    await settled(r);
  }, 60_000);

  it("statistics: the stage's stats name the worker processes (pid, host) that did the work, and how much each did", async () => {
    const r = await statistics.run({ state: { delayMs: 20 }, registry: mixed() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual(span(1, 40));
    const handled = r.collected.handled as Array<{ n: number; pid: number; host: string; workerId: number }>;
    expect(sorted(handled.map((h) => h.n))).toEqual(span(1, 40));
    const stats = r.stats.stages.work!;
    expect(stats.strategy).toBe('bullmq');
    expect(stats.in).toBe(40);
    expect(stats.done).toBe(40);
    expect(stats.strategyDetails).toMatchObject({ queue: 'bullmq-statistics~work', prefix: 'minigun' });
    const details = detailsOf(r, 'work');
    // Exactly the processes that ran inputs, each with the inputs it ran; all of them the test's workers.
    const byPid = new Map<number, number>();
    for (const h of handled) byPid.set(h.pid, (byPid.get(h.pid) ?? 0) + 1);
    expect(sorted(details.map((d) => d.pid))).toEqual(sorted([...byPid.keys()]));
    for (const d of details) {
      expect(workerPids).toContain(d.pid);
      expect(d.host).toBe(hostname());
      expect(d.inputs).toBe(byPid.get(d.pid));
      expect(d.jobs).toBeGreaterThanOrEqual(1);
      expect(d.jobs).toBeLessThanOrEqual(d.inputs);
      for (const h of handled.filter((x) => x.pid === d.pid)) expect(h.workerId).toBe(d.workerId);
    }
    expect(details.reduce((a, d) => a + d.inputs, 0)).toBe(40);
    expect(sorted(stats.workers!.map((w) => w.pid!))).toEqual(sorted(details.map((d) => d.pid)));
    await settled(r);
  }, 60_000);

  it('error handling: inputs that keep throwing fail after retries with errors naming the pipeline, the stage and the message; the others complete', async () => {
    const r = await errorHandling.run({ state: { dir: tempDir() }, registry: mixed() });
    expect(r.status).toBe('completed');
    const failing = [3, 6, 9, 12];
    expect(sorted(r.collected.ok)).toEqual(span(1, 12).filter((n) => !failing.includes(n)));
    const errors = itemErrors(r);
    expect(sorted(errors.map((e) => e.input as number))).toEqual(failing);
    for (const e of errors) {
      expect(e.stage).toBe('validate');
      expect(e.message).toBe(`invalid item ${e.input as number}`);
      expect(e.error.name).toBe('TypeError');
      expect(e.attempts).toBe(3); // the first attempt and 2 retries
      expect(codeOf(e)).toBeUndefined();
    }
    // onError in the parent, with the error as thrown in the worker.
    const seen = r.collected.onError as Array<{ stage: string; input: number; name: string; message: string; pid: number }>;
    expect(sorted(seen.map((s) => s.input))).toEqual(failing);
    for (const s of seen) expect(s).toEqual({ stage: 'validate', input: s.input, name: 'TypeError', message: `invalid item ${s.input}`, pid: process.pid });
    // Flaky inputs (1, 5; 9 fails anyway) succeeded on their retry: 2 × 4 always-failing retries + 2.
    const stats = r.stats.stages.validate!;
    expect(stats.failed).toBe(4);
    expect(stats.done).toBe(8);
    expect(stats.retried).toBe(2 * 4 + 2);
    // Where it happened: the result names the pipeline, each error its stage (its message is the thrown one's).
    expect(r.pipeline).toBe('bullmq-error-handling');
    await settled(r);
  }, 60_000);

  it('emit to a stage across contexts: a bullmq stage routes with out.to() to an inline stage in the parent and to another bullmq stage', async () => {
    const r = await crossContext.run({ registry: mixed() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const inline = r.collected.inline as Array<{ n: number; from: number; pid: number }>;
    const remote = r.collected.remote as Array<{ n: number; from: number; pid: number }>;
    expect(sorted(inline.map((x) => x.n))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sorted(remote.map((x) => x.n))).toEqual([10, 20, 30, 40, 50, 60]);
    for (const x of inline) {
      expect(x.pid).toBe(process.pid);
      expect(workerPids).toContain(x.from);
    }
    for (const x of remote) {
      expect(workerPids).toContain(x.pid);
      expect(workerPids).toContain(x.from);
    }
    // The emits of router n went to both targets, from the same attempt.
    for (const x of inline) expect(remote.find((f) => f.n === x.n * 10)?.from).toBe(x.from);
    expect(r.stats.stages.inlineSink!.in).toBe(6);
    expect(r.stats.stages.remoteSink!.in).toBe(6);
    await settled(r);
  }, 60_000);

  it('batch and process: 45 items, batch(10), a bullmq stage takes each array as one input; counts reconcile', async () => {
    const r = await batchAndProcess.run({ registry: mixed() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const batches = r.collected.batches as Array<{ size: number; sum: number; items: number[]; pid: number }>;
    expect(batches).toHaveLength(5);
    expect(sorted(batches.map((b) => b.size))).toEqual([5, 10, 10, 10, 10]);
    expect(sorted(batches.flatMap((b) => b.items))).toEqual(span(1, 45));
    for (const b of batches) {
      expect(b.sum).toBe(b.items.reduce((a, x) => a + x, 0));
      expect(workerPids).toContain(b.pid);
    }
    expect(r.stats.stages.process!.in).toBe(5);
    expect(r.stats.stages.process!.done).toBe(5);
    expect(r.stats.stages.report!.in).toBe(5);
    await settled(r);
  }, 60_000);

  it('the workers are still the same two processes, serving', () => {
    for (const w of workers) expect(w.child.exitCode).toBeNull();
  });
});
