/**
 * Dispatch over several targets: partition (one key always to one target, null keys dropped and counted as
 * filtered, a custom hash) and demand (to the target with the most free room, ties in turn).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, pipeline } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

interface Order {
  id: number;
  customer: string | null;
}

describe("dispatch: 'partition'", () => {
  const orders: Order[] = range(60).map((id) => ({ id, customer: id % 10 === 9 ? null : `c${id % 7}` }));
  const partitioned = (hash?: (key: string | number | bigint | boolean) => number) =>
    pipeline('partition', (p) => {
      p.producer('gen', { to: ['a', 'b', 'c'], dispatch: 'partition', partitionKey: (o: Order) => o.customer, partitionHash: hash }, () => orders);
      for (const t of ['a', 'b', 'c']) p.consumer(t, { from: [] }, (o: Order, _out, ctx) => ctx.collect(t, o.customer));
    });

  it('sends every item of one key to one target, drops null keys and counts them as filtered', async () => {
    const r = await partitioned().run();
    expect(r.status).toBe('completed');
    const byTarget = ['a', 'b', 'c'].map((t) => new Set(r.collected[t] as string[]));
    // each customer lands on exactly one target
    for (let i = 0; i < 7; i++) expect(byTarget.filter((s) => s.has(`c${i}`))).toHaveLength(1);
    const delivered = ['a', 'b', 'c'].reduce((n, t) => n + (r.collected[t]?.length ?? 0), 0);
    expect(delivered).toBe(54);
    expect(r.stats.stages.gen).toMatchObject({ out: 54, filtered: 6 });
    assertAccounting(r);
  });

  it('maps keys the same way in every run (a stable default hash)', async () => {
    const [r1, r2] = [await partitioned().run(), await partitioned().run()];
    for (const t of ['a', 'b', 'c']) expect(new Set(r1.collected[t])).toEqual(new Set(r2.collected[t]));
  });

  it('uses a custom partitionHash: its number modulo the number of targets', async () => {
    const r = await partitioned((key) => Number(String(key).slice(1))).run();
    // c0, c3, c6 → a; c1, c4 → b; c2, c5 → c
    expect(new Set(r.collected.a)).toEqual(new Set(['c0', 'c3', 'c6']));
    expect(new Set(r.collected.b)).toEqual(new Set(['c1', 'c4']));
    expect(new Set(r.collected.c)).toEqual(new Set(['c2', 'c5']));
  });

  it('a partitionKey that throws records the item (kind run, with the input) and the run goes on', async () => {
    const seen: string[] = [];
    const p = pipeline('partition-throws', (q) => {
      q.producer('gen', { to: ['a', 'b'], dispatch: 'partition', partitionKey: (n: number) => (n === 3 ? JSON.parse('{') : n) }, () => range(5));
      q.consumer('a', { from: [] }, (n: number, _o, ctx) => ctx.collect('out', n));
      q.consumer('b', { from: [] }, (n: number, _o, ctx) => ctx.collect('out', n));
      q.onError((e, info) => void seen.push(`${info.stage}:${String(info.input)}:${e.name}`));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect((r.collected.out as number[]).sort()).toEqual([0, 1, 2, 4]);
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'run', stage: 'gen', input: 3 })]);
    expect(seen).toEqual(['gen:3:SyntaxError']);
  });

  it('a key that is not a primitive is refused with a clear error naming the stage', async () => {
    const p = pipeline('partition-object-key', (q) => {
      q.producer('gen', { to: ['a', 'b'], dispatch: 'partition', partitionKey: (n: number) => ({ n }) as never }, () => [1]);
      q.consumer('a', { from: [] }, () => undefined);
      q.consumer('b', { from: [] }, () => undefined);
    });
    const r = await p.run();
    expect(r.errors[0]!.message).toMatch(/partitionKey of stage "gen" \(pipeline "partition-object-key"\) returned object/);
  });

  it('options: partition needs a partitionKey; partitionKey and partitionHash only go with partition', () => {
    const attempt = (fn: () => unknown): MinigunError => {
      try {
        fn();
      } catch (e) {
        return e as MinigunError;
      }
      throw new Error('expected an error');
    };
    const missing = attempt(() => pipeline('x1', (p) => p.producer('gen', { to: ['a', 'b'], dispatch: 'partition' }, () => [1])));
    expect(missing.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(missing.message).toContain('partitionKey');
    const stray = attempt(() => pipeline('x2', (p) => p.producer('gen', { partitionKey: () => 1 }, () => [1])));
    expect(stray.message).toMatch(/partitionKey .*dispatch: 'partition'/);
    expect(attempt(() => pipeline('x3', (p) => p.producer('gen', { dispatch: 'random' as never }, () => [1]))).message).toContain('"partition" or "demand"');
  });
});

describe("dispatch: 'demand'", () => {
  it('sends each item to the target with the most free room: a slow target gets far fewer', async () => {
    const p = pipeline('demand', (q) => {
      q.producer('gen', { to: ['fast', 'slow'], dispatch: 'demand' }, async (out) => {
        for (const n of range(60)) await out.emit(n);
      });
      q.consumer('fast', { from: [], concurrency: 4, queueSize: 2 }, async (n: number, _o, ctx) => {
        await sleep(1);
        ctx.collect('fast', n);
      });
      q.consumer('slow', { from: [], concurrency: 1, queueSize: 2 }, async (n: number, _o, ctx) => {
        await sleep(40);
        ctx.collect('slow', n);
      });
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    const fast = r.collected.fast?.length ?? 0;
    const slow = r.collected.slow?.length ?? 0;
    expect(fast + slow).toBe(60);
    expect(slow).toBeGreaterThan(0);
    expect(fast).toBeGreaterThan(3 * slow);
    assertAccounting(r);
  });

  it('among targets with equal room, takes them in turn', async () => {
    const p = pipeline('demand-ties', (q) => {
      q.producer('gen', { to: ['a', 'b', 'c'], dispatch: 'demand' }, () => range(9));
      for (const t of ['a', 'b', 'c']) q.consumer(t, { from: [] }, (n: number, _o, ctx) => ctx.collect(t, n));
    });
    const r = await p.run();
    // Synchronous consumers always have all their room back: every pick is a tie.
    expect(r.collected.a).toEqual([0, 3, 6]);
    expect(r.collected.b).toEqual([1, 4, 7]);
    expect(r.collected.c).toEqual([2, 5, 8]);
  });
});
