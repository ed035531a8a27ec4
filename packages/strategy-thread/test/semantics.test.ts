/**
 * State, hook and stage-locating semantics of `thread` and `thread-per-batch` (docs/semantics.md).
 */
import { threadId as parentThreadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import {
  badAfterFork,
  base,
  child,
  hookedPerBatch,
  hookedThread,
  nested,
  runHidden,
  statePerBatch,
  stateThread,
  type HookRecord,
  type StateS,
  type Where,
} from './fixtures/semantics.ts';
import { expectAccounting, itemErrors, registry, sorted } from './util.ts';

interface Seen {
  n: number;
  threadId: number;
  count: number;
  x?: string;
  forks: number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const group = <T, K>(values: T[], key: (v: T) => K): Map<K, T[]> => {
  const m = new Map<K, T[]>();
  for (const v of values) m.set(key(v), [...(m.get(key(v)) ?? []), v]);
  return m;
};

describe('state', () => {
  it('thread: each worker gets a snapshot taken after beforeFork; its mutations persist across its inputs and never reach the parent', async () => {
    const state: StateS = { items: 12, forks: 0 };
    const r = await stateThread.run({ state, registry: registry() });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual(range(12));
    const seen = r.collected.seen as Seen[];
    const byThread = group(seen, (s) => s.threadId);
    expect(byThread.size).toBe(2); // concurrency 2, kept for the run
    expect(byThread.has(parentThreadId)).toBe(false);
    for (const [, list] of byThread) {
      // Mutations persist across this worker's inputs: its counts are 1, 2, …, k.
      expect(list.map((s) => s.count).sort((a, b) => a - b)).toEqual(range(list.length).map((i) => i + 1));
      // The snapshot was taken after beforeFork changed the state, once per worker.
      expect(new Set(list.map((s) => s.x)).size).toBe(1);
      expect(list[0]!.x).toMatch(/^fork [12]$/);
      expect(list[0]!.forks).toBeGreaterThanOrEqual(1);
    }
    // The parent's state: beforeFork ran once per worker start, in the parent; the workers' counts stayed there.
    expect(state.forks).toBe(2);
    expect(state.count).toBeUndefined();
    expectAccounting(r);
  });

  it('thread-per-batch: every input sees a fresh snapshot (mutations do not persist)', async () => {
    const state: StateS = { items: 4, forks: 0 };
    const r = await statePerBatch.run({ state, registry: registry() });
    expect(r.status).toBe('completed');
    const seen = r.collected.seen as Seen[];
    expect(seen).toHaveLength(4);
    for (const s of seen) {
      expect(s.count).toBe(1);
      expect(s.x).toMatch(/^fork [1-4]$/);
    }
    expect(new Set(seen.map((s) => s.threadId)).size).toBe(4); // a fresh worker per input
    // Each beforeFork increments forks and sets x = `fork ${forks}`: a snapshot taken right after a
    // worker's own beforeFork has distinct x for distinct workers.
    expect(new Set(seen.map((s) => s.x)).size).toBe(4);
    expect(state.forks).toBe(4);
    expect(state.count).toBeUndefined();
  });

  it('a SharedArrayBuffer in state is shared, not copied: Atomics.add in workers is visible in the parent', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(4));
    const r1 = await stateThread.run({ state: { items: 10, forks: 0, shared }, registry: registry() });
    expect(r1.status).toBe('completed');
    expect(Atomics.load(shared, 0)).toBe(10);
    const r2 = await statePerBatch.run({ state: { items: 2, forks: 0, shared }, registry: registry() });
    expect(r2.status).toBe('completed');
    expect(Atomics.load(shared, 0)).toBe(12);
  });
});

describe('fork hooks', () => {
  const levels = ['pipeline', 'stage', 'inline'] as const;

  it('thread: pipeline, stage and inline beforeFork run in the parent once per worker start; afterFork runs in each worker', async () => {
    const r = await hookedThread.run({ state: { items: 8 }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const work = r.collected.work as Array<{ threadId: number; workerId?: number; pid: number }>;
    const workers = new Set(work.map((w) => w.threadId));
    expect(workers.size).toBe(2);
    // Each thread has its own pool id, 1 … concurrency (tinypool's numbering).
    expect(new Set(work.map((w) => w.workerId))).toEqual(new Set([1, 2]));
    const before = r.collected.beforeFork as HookRecord[];
    const after = r.collected.afterFork as HookRecord[];
    for (const level of levels) {
      expect(
        before.filter((h) => h.level === level),
        `beforeFork ${level}`,
      ).toHaveLength(workers.size);
      expect(
        after.filter((h) => h.level === level),
        `afterFork ${level}`,
      ).toHaveLength(workers.size);
    }
    for (const h of before) {
      expect(h.threadId).toBe(parentThreadId);
      expect(h.stage).toBe('work');
      expect(typeof h.infoWorkerId).toBe('number');
    }
    // Within one worker's start, the order is pipeline, stage, inline.
    for (const [, list] of group(before, (h) => h.infoWorkerId)) expect(list.map((h) => h.level)).toEqual([...levels]);
    for (const [, list] of group(after, (h) => h.threadId)) expect(list.map((h) => h.level)).toEqual([...levels]);
    for (const h of after) {
      expect(workers.has(h.threadId)).toBe(true); // ran inside a worker that then ran inputs
      expect(h.pid).toBe(process.pid); // threads share the process
      expect(typeof h.ctxWorkerId).toBe('number');
      expect(h.infoWorkerId).toBe(h.ctxWorkerId);
      expect(h.stage).toBe('work');
    }
    for (const w of work) {
      expect(w.pid).toBe(process.pid);
      expect(typeof w.workerId).toBe('number');
    }
    // workerIds given to beforeFork are those the workers see.
    expect(new Set(after.map((h) => h.ctxWorkerId))).toEqual(new Set(before.map((h) => h.infoWorkerId)));
  });

  it('thread-per-batch: beforeFork and afterFork run once per input', async () => {
    const r = await hookedPerBatch.run({ state: { items: 3 }, registry: registry() });
    expect(r.status).toBe('completed');
    const before = r.collected.beforeFork as HookRecord[];
    const after = r.collected.afterFork as HookRecord[];
    for (const level of levels) {
      expect(before.filter((h) => h.level === level)).toHaveLength(3);
      expect(after.filter((h) => h.level === level)).toHaveLength(3);
    }
    expect(new Set(after.map((h) => h.threadId)).size).toBe(3);
    expect(after.every((h) => h.threadId !== parentThreadId)).toBe(true);
  });

  it('an afterFork that throws is reported in result.errors (kind hook, hook afterFork) and to onError', async () => {
    const r = await badAfterFork.run({ registry: registry() });
    expect(r.status).toBe('completed');
    const hookErrors = r.errors.filter((e) => e.kind === 'hook');
    expect(hookErrors.length).toBeGreaterThanOrEqual(1);
    for (const e of hookErrors) {
      expect(e.hook).toBe('afterFork');
      expect(e.stage).toBe('work');
      // The error as the hook threw it in the worker: its own message, not wrapped.
      expect(e.message).toBe('cannot connect to the database');
      expect(e.error.message).toBe('cannot connect to the database');
    }
    const onError = r.collected.onError as Array<{ message: string; stage?: string; threadId: number }>;
    expect(onError.length).toBe(hookErrors.length);
    expect(onError[0]!.message).toBe('cannot connect to the database');
    expect(onError[0]!.stage).toBe('work');
    expect(onError[0]!.threadId).toBe(parentThreadId); // onError runs in the parent
  });
});

describe('locating stages in workers', () => {
  it('runs a stage of a nested pipeline (sub/step) in threads; isMain(import.meta) is false in workers; a sibling .ts helper works', async () => {
    const r = await nested.run({ registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual([3, 6, 9, 12]);
    const where = r.collected.where as Where[];
    expect(where).toHaveLength(4);
    for (const w of where) {
      expect(w.stage).toBe('sub/step');
      expect(w.threadId).not.toBe(parentThreadId);
      expect(w.isMain).toBe(false);
    }
    expect(r.stats.stages['sub/step']!.strategy).toBe('thread');
  });

  it('runs the stages of an extended pipeline (parent and child stages) in threads', async () => {
    const r = await child.run({ registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual([20, 30, 40]);
    const where = r.collected.where as Where[];
    expect(
      where
        .filter((w) => w.stage === 'work')
        .map((w) => w.n)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(
      where
        .filter((w) => w.stage === 'extra')
        .map((w) => w.n)
        .sort(),
    ).toEqual([2, 3, 4]);
    expect(where.every((w) => w.threadId !== parentThreadId)).toBe(true);
    // The parent pipeline is unchanged by extend.
    expect(base.stages.map((s) => s.name)).toEqual(['gen', 'work']);
  });

  it('a pipeline that is not exported fails every input with ERR_MINIGUN_WORKER_SETUP saying to export it', async () => {
    const r = await runHidden({ registry: registry() });
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors).toHaveLength(3);
    for (const e of errors) {
      expect((e.error as { code?: string }).code).toBe(ErrorCodes.WORKER_SETUP);
      expect(e.message).toContain('"hidden-thread"');
      expect(e.message).toMatch(/[Ee]xport the pipeline/);
    }
    expect(r.collected.out).toBeUndefined();
    expectAccounting(r);
  });
});
