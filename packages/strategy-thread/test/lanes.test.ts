/**
 * perWorker lanes: with perWorker above 1 a worker thread runs the inputs of its chunks at once (up to
 * perWorker), each still its own attempt. Real worker threads, through the public API; overlaps are
 * measured from the times each input collects, never from how long a run took.
 */
import { describe, expect, it } from 'vitest';
import { cancelMidChunk, mostAtOnce, sleepsOneThread, sleepsOrdered, sleepsRetried, sleepsTwoThreads, type Span } from './fixtures/lanes.ts';
import { expectAccounting, itemErrors, registry, sorted, waitFor } from './util.ts';

const emitsOf = (ns: readonly number[]): number[] => sorted(ns.flatMap((n) => [n * 10, n * 10 + 1]));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('perWorker lanes (thread)', () => {
  it('20 sleeps of 50 ms on 1 thread with perWorker 10 overlap, at most 10 at once', async () => {
    const r = await sleepsOneThread.run({ state: { count: 20, ms: 50 }, registry: registry({ perWorker: 10 }) });
    expect(r.status).toBe('completed');
    const spans = r.collected.spans as Span[];
    expect(spans).toHaveLength(20);
    expect(new Set(spans.map((s) => s.threadId)).size).toBe(1);
    const most = mostAtOnce(spans);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(10);
    expect(sorted(r.collected.out)).toEqual(emitsOf(range(20)));
    expectAccounting(r);
  });

  it('cheap inputs sent in chunks still overlap inside the thread (at most perWorker at once)', async () => {
    const r = await sleepsOneThread.run({ state: { count: 300, ms: 2 }, registry: registry({ perWorker: 8 }) });
    expect(r.status).toBe('completed');
    const most = mostAtOnce(r.collected.spans as Span[]);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(8);
    expect(sorted(r.collected.out)).toEqual(emitsOf(range(300)));
    expect(r.stats.stages.io!.done).toBe(300);
    expectAccounting(r);
  });

  it('a shallow queue is spread over both threads', async () => {
    const r = await sleepsTwoThreads.run({ state: { count: 8, ms: 300 }, registry: registry({ perWorker: 4 }) });
    expect(r.status).toBe('completed');
    const spans = r.collected.spans as Span[];
    expect(new Set(spans.map((s) => s.threadId)).size).toBe(2);
    expect(sorted(r.collected.out)).toEqual(emitsOf(range(8)));
  });

  it('a failed input of a chunk fails only itself and delivers none of its emits or collects', async () => {
    const r = await sleepsOneThread.run({ state: { count: 120, ms: 2, failing: 57 }, registry: registry({ perWorker: 8 }) });
    expect(r.status).toBe('completed');
    const others = range(120).filter((n) => n !== 57);
    expect(sorted(r.collected.out)).toEqual(emitsOf(others));
    expect(r.collected.fromFailed).toBeUndefined();
    const errors = itemErrors(r);
    expect(errors.map((e) => [e.input, e.message])).toEqual([[57, 'input 57 fails after emitting']]);
    expect(r.stats.stages.io!.done).toBe(119);
    expect(r.stats.stages.io!.failed).toBe(1);
    expectAccounting(r);
  });

  it('a retried input delivers only its successful attempt', async () => {
    const r = await sleepsRetried.run({ state: { count: 60, ms: 2, failing: 11, failOnce: true }, registry: registry({ perWorker: 8 }) });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual(emitsOf(range(60)));
    expect(r.collected.fromFailed).toBeUndefined();
    expect(r.errors).toEqual([]);
    expect(r.stats.stages.io!.retried).toBe(1);
    expectAccounting(r);
  });

  it('ordered: true keeps the input order although later inputs end first', async () => {
    const r = await sleepsOrdered.run({ state: { count: 30, ms: 60 }, registry: registry({ perWorker: 4 }) });
    expect(r.status).toBe('completed');
    expect(mostAtOnce(r.collected.spans as Span[])).toBeGreaterThanOrEqual(2);
    expect(r.collected.out).toEqual(range(30).flatMap((n) => [n * 10, n * 10 + 1]));
  });

  it('cancellation mid-chunk: running inputs see ctx.signal abort, inputs not started do not start', async () => {
    const fast = 60;
    const slow = 40;
    const counts = new Int32Array(new SharedArrayBuffer(3 * 4));
    const controller = new AbortController();
    const running = cancelMidChunk.run({ state: { counts, fast, slow }, registry: registry({ perWorker: 3 }), signal: controller.signal, graceMs: 8000 });
    // The fast inputs are done and the slow ones hold every lane of the thread.
    await waitFor(() => Atomics.load(counts, 0) === fast && Atomics.load(counts, 1) === 3, 20_000, 'the slow inputs to fill the lanes');
    const abortedAt = Date.now();
    controller.abort();
    const r = await running;
    expect(r.status).toBe('cancelled');
    // Without the abort reaching the worker, the inputs would wait for the 8 s grace period.
    expect(Date.now() - abortedAt).toBeLessThan(5000);
    expect(Atomics.load(counts, 1)).toBe(3);
    expect(Atomics.load(counts, 2)).toBe(3);
    expect(itemErrors(r)).toEqual([]);
    expect(r.stats.stages.io!.done).toBe(fast);
    expect(r.stats.stages.io!.cancelled).toBe(slow);
    // A chunk's outcomes come back together: fast inputs that shared a chunk with slow ones were done in the
    // worker, but their items reached the consumer only after the cancellation (then refused). None twice.
    const out = sorted((r.collected.out ?? []) as number[]);
    expect(new Set(out).size).toBe(out.length);
    for (const n of out) expect(n).toBeLessThan(fast);
    expectAccounting(r);
  });
});
