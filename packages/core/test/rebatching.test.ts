/** p.debatch() (arrays back to items) and p.rebatch(size) (arrays re-cut across input boundaries). */
import { describe, expect, it } from 'vitest';
import { pipeline } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';

describe('p.debatch()', () => {
  it('emits each element of an array input in order; a non-array input passes as it is', async () => {
    const p = pipeline('debatch', (q) => {
      q.producer('gen', () => [[1, 2, 3], [], [4], 'loose', [5, 6]]);
      q.debatch();
      q.consumer('sink', (x: unknown, _o, ctx) => ctx.collect('out', x));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([1, 2, 3, 4, 'loose', 5, 6]);
    expect(r.stats.stages.debatch).toMatchObject({ kind: 'accumulator', in: 5, done: 5, out: 7 });
    assertAccounting(r);
  });

  it('round trip: batch(3) then debatch() gives the items back, with backpressure through a small queue', async () => {
    const p = pipeline('batch-debatch', (q) => {
      q.producer('gen', () => Array.from({ length: 50 }, (_, i) => i));
      q.batch(3);
      q.debatch();
      q.consumer('sink', { queueSize: 2 }, async (n: number, _o, ctx) => {
        await new Promise((resolve) => setImmediate(resolve));
        ctx.collect('out', n);
      });
    });
    const r = await p.run();
    expect(r.collected.out).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(r.stats.stages.sink!.queue.max).toBeLessThanOrEqual(3);
  });

  it('runs in the parent whatever context surrounds it, and names itself debatch, debatch-2', () => {
    const p = pipeline('debatch-names', (q) => {
      q.producer('gen', () => [[1]]);
      q.with({ strategy: 'thread', concurrency: 4 }, (w) => {
        w.debatch();
        w.debatch({ name: 'again' });
        w.debatch();
      });
    });
    expect(p.stages.map((s) => [s.name, s.strategy, s.concurrency])).toEqual([
      ['gen', 'inline', 1],
      ['debatch', 'inline', 1],
      ['again', 'inline', 1],
      ['debatch-2', 'inline', 1],
    ]);
    expect(() => pipeline('debatch-wait', (q) => q.debatch({ maxWaitMs: 5 } as never))).toThrow(/maxWaitMs/);
  });
});

describe('p.rebatch(size)', () => {
  it('re-cuts arrays across input boundaries; the last one may be shorter', async () => {
    const p = pipeline('rebatch', (q) => {
      q.producer('gen', () => [[1, 2], [3, 4, 5, 6, 7], [], [8], 9]);
      q.rebatch(3);
      q.consumer('sink', (batch: number[], _o, ctx) => ctx.collect('out', batch));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    // Items are the inputs of a rebatch: in and done count elements.
    expect(r.stats.stages.rebatch).toMatchObject({ in: 9, done: 9, out: 3 });
    assertAccounting(r);
  });

  it('flushes the remainder at the end and after maxWaitMs', async () => {
    const p = pipeline('rebatch-wait', (q) => {
      q.producer('gen', async (out) => {
        await out.emit([1, 2, 3, 4]);
        await new Promise((resolve) => setTimeout(resolve, 150));
        await out.emit([5]);
      });
      q.rebatch(3, { maxWaitMs: 50 });
      q.consumer('sink', (batch: number[], _o, ctx) => ctx.collect('out', batch));
    });
    const r = await p.run();
    expect(r.collected.out).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => pipeline('rebatch-bad', (q) => q.rebatch(0))).toThrow(/size/);
  });
});
