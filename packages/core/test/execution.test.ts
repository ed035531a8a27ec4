import { describe, expect, it } from 'vitest';
import { ErrorCodes, pipeline, type RunResult } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const expectAccounting: (result: RunResult) => void = assertAccounting;

describe('inline concurrency', () => {
  it('overlaps async work: 20 sleeps of 50 ms at concurrency 10 take well under sequential time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const p = pipeline('overlap', (p) => {
      p.producer('gen', () => Array.from({ length: 20 }, (_, i) => i));
      p.consumer('sleep', { concurrency: 10 }, async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(50);
        inFlight--;
      });
    });
    const started = performance.now();
    const r = await p.run();
    const elapsed = performance.now() - started;
    expect(r.status).toBe('completed');
    expect(maxInFlight).toBe(10);
    expect(elapsed).toBeLessThan(600); // sequential would be 1000 ms
    expect(r.stats.stages.sleep!.done).toBe(20);
  });

  it('never runs more than concurrency inputs at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const p = pipeline('bounded', (p) => {
      p.producer('gen', () => Array.from({ length: 30 }, (_, i) => i));
      p.processor('work', { concurrency: 3 }, async (n: number) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(n % 3);
        inFlight--;
        return n;
      });
      p.consumer('sink', () => undefined);
    });
    await p.run();
    expect(maxInFlight).toBe(3);
  });

  it('keeps input order with ordered: true, and not without it', async () => {
    const make = (ordered: boolean) =>
      pipeline(`order-${ordered}`, (p) => {
        p.producer('gen', () => Array.from({ length: 30 }, (_, i) => i));
        p.processor('work', { concurrency: 5, ordered }, async (n: number) => {
          await sleep((n * 7) % 11);
          return n;
        });
        p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
      });
    const ordered = await make(true).run();
    expect(ordered.collected.out).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const unordered = await make(false).run();
    expect(unordered.collected.out).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect([...(unordered.collected.out as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('runs synchronous stages without losing or reordering items', async () => {
    const p = pipeline('sync', (p) => {
      p.producer('gen', function* () {
        for (let i = 0; i < 10_000; i++) yield i;
      });
      p.processor('inc', (n: number) => n + 1);
      p.processor('dbl', (n: number) => n * 2);
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r = await p.run();
    expect(r.collected.out).toEqual(Array.from({ length: 10_000 }, (_, i) => (i + 1) * 2));
    expectAccounting(r);
  });
});

describe('backpressure', () => {
  it('keeps a fast producer at most about queueSize + concurrency items ahead of a slow consumer', async () => {
    let emitted = 0;
    let maxAhead = 0;
    let consumed = 0;
    const p = pipeline('bp', (p) => {
      p.producer('gen', async (out) => {
        for (let i = 0; i < 100; i++) {
          emitted++;
          await out.emit(i);
        }
      });
      p.consumer('slow', { concurrency: 2, queueSize: 5 }, async () => {
        maxAhead = Math.max(maxAhead, emitted - consumed);
        await sleep(2);
        consumed++;
      });
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(consumed).toBe(100);
    // queue of 5 + 2 slots + the item being emitted, with a little slack; unbounded would reach 100.
    expect(maxAhead).toBeLessThanOrEqual(5 + 2 + 2);
    expect(r.stats.stages.slow!.queue.max).toBeLessThanOrEqual(6);
  });

  it('holds memory flat: queue depth never exceeds its bound through a chain', async () => {
    const p = pipeline('chain', (p) => {
      p.producer('gen', function* () {
        for (let i = 0; i < 5000; i++) yield i;
      });
      p.processor('a', { queueSize: 10 }, (n: number) => n);
      p.consumer('slow', { queueSize: 10 }, async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
    });
    const r = await p.run();
    expect(r.stats.stages.slow!.done).toBe(5000);
    expect(r.stats.stages.slow!.queue.max).toBeLessThanOrEqual(11);
    expect(r.stats.stages.a!.queue.max).toBeLessThanOrEqual(11);
  });
});

describe('failures', () => {
  it('records a processor that throws on some items and delivers the rest', async () => {
    const p = pipeline('some-fail', (p) => {
      p.producer('gen', () => Array.from({ length: 10 }, (_, i) => i));
      p.processor('check', (n: number) => {
        if (n % 4 === 0) throw new TypeError(`bad ${n}`);
        return n;
      });
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([1, 2, 3, 5, 6, 7, 9]);
    expect(r.errors.map((e) => [e.kind, e.stage, e.input, e.message, e.attempts])).toEqual([
      ['item', 'check', 0, 'bad 0', 1],
      ['item', 'check', 4, 'bad 4', 1],
      ['item', 'check', 8, 'bad 8', 1],
    ]);
    expect(r.errors[0]!.error).toBeInstanceOf(TypeError);
    expect(r.stats.stages.check).toMatchObject({ in: 10, done: 7, failed: 3 });
    expectAccounting(r);
  });

  it('records a producer that throws, keeping what it emitted before', async () => {
    const p = pipeline('producer-throws', (p) => {
      p.producer('gen', async (out) => {
        await out.emit(1);
        await out.emit(2);
        throw new Error('source broke');
      });
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([1, 2]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ kind: 'item', stage: 'gen', message: 'source broke' });
    expect(r.stats.stages.gen).toMatchObject({ in: 1, failed: 1, out: 2 });
  });

  it('keeps non-Error throws as errors with a readable message', async () => {
    const p = pipeline('throws-string', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('sink', () => {
        throw 'plain string';
      });
    });
    const r = await p.run();
    expect(r.errors[0]!.error).toBeInstanceOf(Error);
    expect(r.errors[0]!.message).toBe('plain string');
  });

  it('retries up to retries + 1 attempts, counting extra attempts', async () => {
    const attempts = new Map<number, number>();
    const p = pipeline('retry', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('flaky', { retries: 2 }, (n: number) => {
        const a = (attempts.get(n) ?? 0) + 1;
        attempts.set(n, a);
        if (n === 1 && a < 2) throw new Error('once');
        if (n === 3) throw new Error('always');
        return n;
      });
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r = await p.run();
    expect(r.collected.out).toEqual([1, 2]);
    expect(attempts.get(3)).toBe(3);
    expect(r.stats.stages.flaky).toMatchObject({ in: 3, done: 2, failed: 1, retried: 3 });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ stage: 'flaky', input: 3, attempts: 3 });
    expectAccounting(r);
  });

  it("stops the run with status 'failed' on onError: 'abort', cancelling what is left", async () => {
    let afterRun = false;
    const p = pipeline('abort', (p) => {
      p.producer('gen', async (out) => {
        for (let i = 0; i < 1000; i++) await out.emit(i);
      });
      p.processor('check', { onError: 'abort', queueSize: 10 }, async (n: number) => {
        await sleep(0);
        if (n === 5) throw new Error('fatal item');
        return n;
      });
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
      p.afterRun(() => {
        afterRun = true;
      });
    });
    const r = await p.run();
    expect(r.status).toBe('failed');
    expect(r.error?.message).toBe('fatal item');
    expect(afterRun).toBe(true);
    expect((r.collected.out as number[]).length).toBeLessThan(1000);
    expect(r.stats.stages.gen!.cancelled).toBe(1);
    expectAccounting(r);
  });

  it('truncates large failed inputs in errors', async () => {
    const p = pipeline('big-input', (p) => {
      p.producer('gen', () => [{ data: 'x'.repeat(10_000) }]);
      p.consumer('sink', () => {
        throw new Error('nope');
      });
    });
    const r = await p.run({ maxErrorInputChars: 100 });
    expect(typeof r.errors[0]!.input).toBe('string');
    expect((r.errors[0]!.input as string).length).toBeLessThan(300);
    expect(r.errors[0]!.input).toContain('truncated');
  });
});

describe('cancellation', () => {
  it("aborting the signal cancels: status 'cancelled', afterRun runs, nothing counted as failed", async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const p = pipeline('cancel', (p) => {
      p.producer('gen', async (out) => {
        for (let i = 0; ; i++) await out.emit(i);
      });
      p.processor('work', { concurrency: 4, queueSize: 8 }, async (n: number, _o, ctx) => {
        await sleep(20);
        if (ctx.signal.aborted) events.push('saw-abort');
        return n;
      });
      p.consumer('sink', () => undefined);
      p.afterRun((_ctx, result) => {
        events.push(`afterRun:${result.status}`);
      });
    });
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const r = await p.run({ signal: controller.signal });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.status).toBe('cancelled');
    expect(events).toContain('afterRun:cancelled');
    expect(r.errors.filter((e) => e.kind === 'item')).toEqual([]);
    expect(r.stats.stages.work!.cancelled).toBeGreaterThan(0);
    expectAccounting(r);
  });

  it('abandons in-flight inputs after graceMs and counts them cancelled', async () => {
    const controller = new AbortController();
    const p = pipeline('grace', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.consumer('stuck', { concurrency: 3 }, () => new Promise<void>(() => undefined));
    });
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const r = await p.run({ signal: controller.signal, graceMs: 100 });
    const elapsed = performance.now() - started;
    expect(r.status).toBe('cancelled');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000);
    expect(r.stats.stages.stuck).toMatchObject({ in: 3, done: 0, cancelled: 3 });
  });

  it('an already-aborted signal starts no stage', async () => {
    let ran = false;
    const p = pipeline('pre-aborted', (p) => {
      p.producer('gen', () => {
        ran = true;
        return [1];
      });
      p.consumer('sink', () => undefined);
    });
    const r = await p.run({ signal: AbortSignal.abort() });
    expect(r.status).toBe('cancelled');
    expect(ran).toBe(false);
  });
});

describe('state, collect and context', () => {
  it('shares state inline and collects in arrival order; absent keys stay absent', async () => {
    const p = pipeline<{ total: number }>('state', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.consumer('sum', (n: number, _o, ctx) => {
        ctx.state.total += n;
        ctx.collect('seen', { n, stage: ctx.stage, pipeline: ctx.pipeline });
      });
    });
    const state = { total: 0 };
    const r = await p.run({ state });
    expect(state.total).toBe(6);
    expect(r.collected.seen).toEqual([1, 2, 3].map((n) => ({ n, stage: 'sum', pipeline: 'state' })));
    expect('never' in r.collected).toBe(false);
  });

  it('gives ctx.log a prefixed logger that run({ logger }) replaces', async () => {
    const lines: string[] = [];
    const p = pipeline('logs', (p) => {
      p.producer('gen', (_out, ctx) => {
        ctx.log.info('hello');
        return [];
      });
    });
    await p.run({ logger: { debug: () => undefined, info: (m) => lines.push(m), warn: () => undefined, error: () => undefined } });
    expect(lines).toEqual(['[logs/gen] hello']);
  });

  it('reports progress at an interval with live stats', async () => {
    const snapshots: number[] = [];
    const p = pipeline('progress', (p) => {
      p.producer('gen', () => Array.from({ length: 20 }, (_, i) => i));
      p.consumer('slow', async () => sleep(10));
    });
    await p.run({ progress: (s) => snapshots.push(s.stages.slow!.done), progressIntervalMs: 30 });
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(snapshots[snapshots.length - 1]).toBeGreaterThan(snapshots[0]!);
  });

  it('rejects bad run options', async () => {
    const p = pipeline('opts', (p) => {
      p.producer('gen', () => []);
    });
    await expect(p.run({ graceMs: -1 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });
});
