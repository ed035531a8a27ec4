/**
 * Bad input and faults: values that cannot cross, stage errors across the boundary, dying
 * workers, cancellation and leftover workers. Real worker threads, through the public API only.
 */
import { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { MyError } from './fixtures/helper.ts';
import { clonePerBatch, cloneThread, exitingOnce, lateInputs, exitingRetried, flaky, hungry, slowPerBatch, slowThread, throwing } from './fixtures/faults.ts';
import { cleanupDirs, expectAccounting, files, itemErrors, liveWorkerHandles, registry, settledWorkerHandles, sorted, tempDir, waitFor } from './util.ts';

afterAll(cleanupDirs);

const code = (e: { error: Error }): unknown => (e.error as { code?: unknown }).code;

describe('values that cannot cross into or out of a worker', () => {
  it('a class instance with methods in state fails every input, names stage and path, suggests afterFork', async () => {
    const started = Date.now();
    const r = await cloneThread.run({
      state: {
        mode: 'state',
        client: { nested: [0, new MyError('x', 1)] } as unknown,
        db: {
          pool: new (class Client {
            query(): number {
              return 1;
            }
          })(),
        },
      },
      registry: registry(),
    });
    expect(r.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.collected.out).toBeUndefined();
    const errors = itemErrors(r);
    expect(errors).toHaveLength(4);
    for (const e of errors) {
      expect(e.stage).toBe('work');
      expect(code(e)).toBe(ErrorCodes.UNCLONEABLE);
      expect(e.message).toContain('"work"');
      expect(e.message).toContain('state.db.pool');
      expect(e.message).toContain('afterFork');
    }
    expect(r.stats.stages.work!.failed).toBe(4);
    expectAccounting(r);
  });

  it('a function in state fails every input (thread): path state.transform', async () => {
    const r = await cloneThread.run({
      state: {
        mode: 'state',
        transform: function double(n: number) {
          return n * 2;
        },
      },
      registry: registry(),
    });
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors).toHaveLength(4);
    for (const e of errors) {
      expect(code(e)).toBe(ErrorCodes.UNCLONEABLE);
      expect(e.message).toMatch(/state\.transform is a function/);
      expect(e.message).toContain('afterFork');
    }
  });

  it('a net.Socket in state fails every input of thread-per-batch: path state.socket', async () => {
    const socket = new Socket();
    try {
      const r = await clonePerBatch.run({ state: { mode: 'state', socket }, registry: registry() });
      expect(r.status).toBe('completed');
      const errors = itemErrors(r);
      expect(errors).toHaveLength(4);
      for (const e of errors) {
        expect(code(e)).toBe(ErrorCodes.UNCLONEABLE);
        expect(e.message).toContain('state.socket');
        expect(e.message).toContain('Socket');
        expect(e.message).toContain('afterFork');
      }
      expectAccounting(r);
    } finally {
      socket.destroy();
    }
  });

  it('a function in one input fails only that input, path "the input.onDone"', async () => {
    const r = await cloneThread.run({ state: { mode: 'input' }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual([1, 3, 4]);
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.stage).toBe('work');
    expect(code(errors[0]!)).toBe(ErrorCodes.UNCLONEABLE);
    expect(errors[0]!.message).toContain('the input.onDone');
    expect(errors[0]!.message).toContain('"work"');
    expect(errors[0]!.message).toContain('afterFork');
    expect((errors[0]!.input as { id: number }).id).toBe(2);
    expectAccounting(r);
  });

  it('a class instance emitted from inside a worker fails that input, path named', async () => {
    const r = await cloneThread.run({ state: { mode: 'emit' }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual([1, 2, 4]);
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    expect(code(errors[0]!)).toBe(ErrorCodes.UNCLONEABLE);
    expect(errors[0]!.message).toContain('the emitted item.client');
    expect(errors[0]!.message).toContain('Client');
    expect(errors[0]!.input).toEqual({ id: 3 });
  });

  it('a function collected from inside a worker fails that input, path named', async () => {
    const r = await cloneThread.run({ state: { mode: 'collect' }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual([1, 2, 4]);
    expect(r.collected.seen).toBeUndefined();
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    expect(code(errors[0]!)).toBe(ErrorCodes.UNCLONEABLE);
    expect(errors[0]!.message).toContain('the value collected under "seen".format');
    expect(errors[0]!.input).toEqual({ id: 3 });
  });
});

describe('stage errors across the boundary', () => {
  it('keeps name, message, stack, code and own fields of a custom error and of a RangeError', async () => {
    const r = await throwing.run({ registry: registry() });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual([3, 4]);
    const byInput = new Map(itemErrors(r).map((e) => [e.input as number, e]));
    expect(byInput.size).toBe(2);

    const mine = byInput.get(1)!;
    expect(mine.stage).toBe('work');
    expect(mine.message).toContain('mine failed on 1');
    expect(mine.error).toBeInstanceOf(Error);
    expect(mine.error.name).toBe('MyError');
    expect(mine.error.message).toBe('mine failed on 1');
    expect(code(mine)).toBe('E_MINE');
    expect((mine.error as { detail?: unknown }).detail).toBe(42);
    expect(mine.error.stack).toContain('mine failed on 1');
    expect(mine.error.stack).toMatch(/fixtures\/(helper|faults)\.ts/);
    expect(mine.attempts).toBe(1);

    const range = byInput.get(2)!;
    expect(range.error).toBeInstanceOf(RangeError);
    expect(range.error.name).toBe('RangeError');
    expect(range.error.message).toBe('out of range: 2');
    expect(range.error.stack).toContain('fixtures/faults.ts');
    expectAccounting(r);
  });

  it('retries an input whose first attempt throws; emits and collects of the failed attempt are discarded', async () => {
    const dir = tempDir();
    const r = await flaky.run({ state: { dir }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(itemErrors(r)).toEqual([]);
    // Each input emits n*10 and returns n*10+1, from its second attempt only: every item exactly once.
    expect(sorted(r.collected.out)).toEqual([0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    expect(sorted(r.collected['attempt-collect'])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.stats.stages.work!.retried).toBe(6);
    expect(r.stats.stages.work!.done).toBe(6);
    expect(files(dir, 'flaky-')).toHaveLength(6);
    expectAccounting(r);
  });
});

describe('dying workers', () => {
  it('process.exit(3) fails only the input the worker held; the pool replaces the worker; the others arrive once', async () => {
    const dir = tempDir();
    // maxChunk 1: a worker holds one input at a time, so exactly that one fails.
    const r = await exitingOnce.run({ state: { dir, count: 8, exitOn: [3] }, registry: registry({ maxChunk: 1 }) });
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.input).toBe(3);
    expect(errors[0]!.stage).toBe('work');
    expect(code(errors[0]!)).toBe(ErrorCodes.WORKER_DIED);
    expect(errors[0]!.message).toMatch(/exit(ed)? with code 3/);
    // Partial emits of the dying attempt (300) are discarded; every other input arrives exactly once.
    expect(sorted(r.collected.out)).toEqual([0, 1, 2, 4, 5, 6, 7].flatMap((n) => [n * 100, n * 100 + 1]));
    // concurrency 1: the inputs after the death ran in a replacement worker.
    expect(new Set(r.collected.threads).size).toBe(2);
    expectAccounting(r);
  });

  it('with chunking, the failed inputs are exactly those the dead worker held, each reported once', async () => {
    const dir = tempDir();
    const r = await exitingOnce.run({ state: { dir, count: 12, exitOn: [5] }, registry: registry() });
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const e of errors) {
      expect(code(e)).toBe(ErrorCodes.WORKER_DIED);
      expect(e.message).toMatch(/exit(ed)? with code 3/);
      expect(e.message).toContain(`held ${errors.length} input(s)`);
    }
    const failed = errors.map((e) => e.input as number);
    expect(failed).toContain(5);
    const delivered = [...new Set(((r.collected.out ?? []) as number[]).map((n) => Math.floor(n / 100)))];
    expect((r.collected.out ?? []).length).toBe(delivered.length * 2); // no duplicates
    expect(sorted([...delivered, ...failed])).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expectAccounting(r);
  });

  it('with retries: 1, inputs of a worker that called process.exit succeed on retry, exactly once', async () => {
    const dir = tempDir();
    const r = await exitingRetried.run({ state: { dir, count: 10, exitOn: [2, 7] }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual(Array.from({ length: 10 }, (_, n) => [n * 100, n * 100 + 1]).flat());
    expect(r.stats.stages.work!.retried).toBeGreaterThanOrEqual(2);
    expect(r.stats.stages.work!.done).toBe(10);
    expect(files(dir, 'exit-')).toHaveLength(2);
    expectAccounting(r);
  });

  it('a worker that dies of resourceLimits fails only its input (out of memory); the run completes', async () => {
    const r = await hungry.run({ state: { hog: 1 }, registry: registry({ maxChunk: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } }) });
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.input).toBe(1);
    expect(code(errors[0]!)).toBe(ErrorCodes.WORKER_DIED);
    expect(errors[0]!.message).toMatch(/memory/i);
    expect(sorted(r.collected.out)).toEqual([0, 2, 3]);
    expectAccounting(r);
  }, 30_000);
});

describe('cancellation', () => {
  for (const p of [slowThread, slowPerBatch]) {
    it(`${p.name}: aborting while inputs await a long timer aborts ctx.signal in the workers; the run ends long before graceMs`, async () => {
      const dir = tempDir();
      const baseline = liveWorkerHandles();
      const controller = new AbortController();
      const running = p.run({ state: { dir, mode: 'timer' }, registry: registry(), signal: controller.signal, graceMs: 8000 });
      await waitFor(() => files(dir, 'started-').length >= 2, 10_000, 'two inputs to start in workers');
      const abortedAt = Date.now();
      controller.abort();
      const r = await running;
      const elapsed = Date.now() - abortedAt;
      expect(r.status).toBe('cancelled');
      expect(r.collected.events).toEqual(['afterRun']);
      // Without the abort reaching the workers, the inputs would wait for the 8 s grace period.
      expect(elapsed).toBeLessThan(5000);
      expect(files(dir, 'aborted-').length).toBeGreaterThanOrEqual(2);
      for (const f of files(dir, 'started-')) expect(existsSync(join(dir, f.replace('started-', 'aborted-'))), `input ${f} saw the abort`).toBe(true);
      expect(itemErrors(r)).toEqual([]);
      expect(r.stats.stages.work!.cancelled).toBeGreaterThanOrEqual(2);
      expect(r.collected.out).toBeUndefined();
      expectAccounting(r);
      expect(await settledWorkerHandles(baseline)).toBeLessThanOrEqual(baseline);
    });
  }

  it('a worker spinning in a busy loop is terminated after graceMs; no worker is left alive', async () => {
    const dir = tempDir();
    const baseline = liveWorkerHandles();
    const controller = new AbortController();
    const running = slowThread.run({ state: { dir, mode: 'busy' }, registry: registry(), signal: controller.signal, graceMs: 300 });
    await waitFor(() => files(dir, 'started-').length >= 2, 10_000, 'two inputs to start in workers');
    expect(liveWorkerHandles()).toBeGreaterThan(baseline);
    const abortedAt = Date.now();
    controller.abort();
    const r = await running;
    expect(r.status).toBe('cancelled');
    expect(Date.now() - abortedAt).toBeLessThan(300 + 4000);
    expect(r.collected.events).toEqual(['afterRun']);
    expect(itemErrors(r)).toEqual([]);
    expect(r.stats.stages.work!.cancelled).toBe(6);
    expectAccounting(r);
    expect(await settledWorkerHandles(baseline)).toBeLessThanOrEqual(baseline);
  });

  it('no worker thread is left alive after completed runs of both strategies', async () => {
    const baseline = liveWorkerHandles();
    for (const p of [cloneThread, clonePerBatch]) {
      const r = await p.run({ state: { mode: 'input' }, registry: registry() });
      expect(r.status).toBe('completed');
    }
    expect(await settledWorkerHandles(baseline)).toBeLessThanOrEqual(baseline);
  });
});

describe('workers that cannot start', () => {
  it('fail every input with the reason instead of hanging the run (resourceLimits too small to boot)', async () => {
    const started = Date.now();
    // The inputs come after the pool's workers have died booting: tinypool then stops replacing them.
    const r = await lateInputs.run({ registry: registry({ resourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 } }) });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.status).toBe('completed');
    expect(r.collected.out).toBeUndefined();
    const errors = itemErrors(r);
    expect(errors).toHaveLength(3);
    for (const e of errors) {
      expect(code(e)).toBe(ErrorCodes.WORKER_DIED);
      expect(e.message).toContain('before they could start');
      expect(e.message).toContain('out of memory');
    }
    expectAccounting(r);
  });
});
