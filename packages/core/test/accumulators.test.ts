import { describe, expect, it } from 'vitest';
import { Registry, pipeline, type StageStats, type Strategy } from '@minigun/core';
import { rejectCustomStage } from '@minigun/core/toolkit';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const balanced = (s: StageStats): void => {
  expect(s.in).toBe(s.done + s.failed + s.cancelled);
};

describe('p.batch(n)', () => {
  it('emits arrays of n and flushes the remainder at the end', async () => {
    const p = pipeline('batch', (p) => {
      p.producer('gen', () => range(10));
      p.batch(3);
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.batches).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    const s = r.stats.stages.batch!;
    expect(s.kind).toBe('accumulator');
    expect(s.in).toBe(10);
    expect(s.done).toBe(10);
    expect(s.out).toBe(4);
    balanced(s);
  });

  it('emits no empty batch when the input is a multiple of n', async () => {
    const p = pipeline('batch-exact', (p) => {
      p.producer('gen', () => range(6));
      p.batch(2);
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.collected.batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(r.stats.stages.batch!.out).toBe(3);
  });

  it('empty input gives no batch', async () => {
    const p = pipeline('batch-empty', (p) => {
      p.producer('gen', () => []);
      p.batch(5);
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.batches).toBeUndefined();
    expect(r.stats.stages.batch!.out).toBe(0);
    expect(r.stats.stages.save!.in).toBe(0);
  });

  it('a single item gives one batch of one; batch(1) emits each item alone', async () => {
    const p = pipeline('batch-one', (p) => {
      p.producer('gen', () => ['only']);
      p.batch(4);
      p.batch(1);
      p.consumer('save', (b: unknown, _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.collected.batches).toEqual([[['only']]]);
  });

  it('names batches batch, batch-2, … unless given a name', () => {
    const p = pipeline('batch-names', (p) => {
      p.producer('gen', () => [1]);
      p.batch(2);
      p.batch(3);
      p.batch(4, { name: 'chunks' });
    });
    expect(p.stages.map((s) => s.name)).toEqual(['gen', 'batch', 'batch-2', 'chunks']);
  });

  it('keeps item order across batches with a slow async consumer (backpressure)', async () => {
    const p = pipeline('batch-order', (p) => {
      p.producer('gen', () => range(50));
      p.batch(7, { queueSize: 2 });
      p.consumer('save', { queueSize: 1 }, async (b: number[], _o, ctx) => {
        await sleep(1);
        ctx.collect('batches', b);
      });
    });
    const r = await p.run();
    const batches = r.collected.batches as number[][];
    expect(batches.flat()).toEqual(range(50));
    expect(batches.map((b) => b.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
  });
});

describe('timed flush', () => {
  it('flushes by time before a slow producer ends', async () => {
    let producerEndedAt = 0;
    const p = pipeline('timed', (p) => {
      p.producer('gen', async (out) => {
        for (let i = 1; i <= 8; i++) {
          await out.emit(i);
          await sleep(20);
        }
        producerEndedAt = performance.now();
      });
      p.accumulator('acc', { maxSize: 100, maxWaitMs: 40 });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', { b, at: performance.now() }));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    const batches = r.collected.batches as Array<{ b: number[]; at: number }>;
    expect(batches.flatMap((x) => x.b)).toEqual(range(8));
    // flushed by time: more than one batch, each smaller than maxSize, the first before the producer ended
    expect(batches.length).toBeGreaterThanOrEqual(2);
    for (const x of batches) expect(x.b.length).toBeLessThan(8);
    expect(batches[0]!.at).toBeLessThan(producerEndedAt);
    expect(r.stats.stages.acc!.out).toBe(batches.length);
    balanced(r.stats.stages.acc!);
  });

  it('p.batch(n, { maxWaitMs }) flushes by time too', async () => {
    const p = pipeline('timed-batch', (p) => {
      p.producer('gen', async function* () {
        yield 1;
        yield 2;
        await sleep(120);
        yield 3;
      });
      p.batch(10, { maxWaitMs: 30 });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.collected.batches).toEqual([[1, 2], [3]]);
  });

  it('the end-of-input flush does not wait for maxWaitMs', async () => {
    const p = pipeline('timed-end', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.accumulator('acc', { maxSize: 100, maxWaitMs: 30_000 });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const started = performance.now();
    const r = await p.run();
    expect(performance.now() - started).toBeLessThan(10_000); // wide upper bound: not the 30 s timer
    expect(r.collected.batches).toEqual([[1, 2, 3]]);
  });
});

describe('custom accumulators', () => {
  it('accumulator(name, opts, fn): the returned value is emitted', async () => {
    const p = pipeline('sum', (p) => {
      p.producer('gen', () => range(7));
      p.accumulator('sum', { maxSize: 3 }, (items: number[], _out, ctx) => {
        ctx.collect('stage', ctx.stage);
        return items.reduce((a, b) => a + b, 0);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('sums', n));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.sums).toEqual([6, 15, 7]);
    expect(r.collected.stage).toEqual(['sum', 'sum', 'sum']);
    expect(r.stats.stages.sum!.out).toBe(3);
    expect(r.stats.stages.sum!.done).toBe(7);
  });

  it('a custom accumulator may emit with out.emit (and return nothing)', async () => {
    const p = pipeline('acc-emit', (p) => {
      p.producer('gen', () => range(5));
      p.accumulator('pairs', { maxSize: 2 }, async (items: number[], out) => {
        await out.emit(`${items.join('+')}`);
        if (items.length === 1) await out.emit('odd one out');
      });
      p.consumer('save', (s: string, _o, ctx) => ctx.collect('saved', s));
    });
    const r = await p.run();
    expect(r.collected.saved).toEqual(['1+2', '3+4', '5', 'odd one out']);
    expect(r.stats.stages.pairs!.out).toBe(4);
  });

  it('flushes run one at a time and in order, even when the function is async', async () => {
    let active = 0;
    let maxActive = 0;
    const p = pipeline('acc-serial', (p) => {
      p.producer('gen', () => range(12));
      p.accumulator('slow', { maxSize: 2 }, async (items: number[]) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(items[0]! % 3 === 1 ? 6 : 1);
        active--;
        return items;
      });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(maxActive).toBe(1);
    expect((r.collected.batches as number[][]).flat()).toEqual(range(12));
  });

  it('a failing flush fails its items, is recorded, and the run goes on', async () => {
    const p = pipeline('acc-fail', (p) => {
      p.producer('gen', () => range(6));
      p.accumulator('acc', { maxSize: 2 }, (items: number[]) => {
        if (items.includes(3)) throw new Error('bad batch');
        return items;
      });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.batches).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.stage).toBe('acc');
    expect(r.errors[0]!.message).toContain('bad batch');
    expect(r.errors[0]!.input).toEqual([3, 4]);
    const s = r.stats.stages.acc!;
    expect(s.in).toBe(6);
    expect(s.failed).toBe(2);
    expect(s.done).toBe(4);
    expect(s.out).toBe(2);
    balanced(s);
  });
});

describe('key grouping', () => {
  it('groups items into separate buffers by key; each key flushes on its own', async () => {
    const p = pipeline('keyed', (p) => {
      p.producer('gen', () => range(11));
      p.accumulator('byMod', { maxSize: 2, key: (n: number) => n % 3 });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    const batches = r.collected.batches as number[][];
    for (const b of batches) {
      expect(b.length).toBeGreaterThan(0);
      expect(b.length).toBeLessThanOrEqual(2);
      expect(new Set(b.map((n) => n % 3)).size).toBe(1);
    }
    expect(batches.flat().sort((a, b) => a - b)).toEqual(range(11));
    // full batches flush as soon as they fill, in arrival order
    expect(batches.slice(0, 3)).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    // keys 1, 2, 0 hold 4, 4, 3 items: 2 + 2 + 2 batches
    expect(batches).toHaveLength(6);
    expect(r.stats.stages.byMod!.out).toBe(6);
  });

  it('works with string keys and a custom function', async () => {
    const p = pipeline('keyed-fn', (p) => {
      p.producer('gen', () => [
        { type: 'a', v: 1 },
        { type: 'b', v: 2 },
        { type: 'a', v: 3 },
        { type: 'a', v: 4 },
      ]);
      p.accumulator('group', { maxSize: 10, key: (x: { type: string }) => x.type }, (items: Array<{ type: string; v: number }>) => ({
        type: items[0]!.type,
        values: items.map((i) => i.v),
      }));
      p.consumer('save', (g: unknown, _o, ctx) => ctx.collect('groups', g));
    });
    const r = await p.run();
    const groups = r.collected.groups as Array<{ type: string; values: number[] }>;
    expect(groups).toHaveLength(2);
    expect(groups.find((g) => g.type === 'a')!.values).toEqual([1, 3, 4]);
    expect(groups.find((g) => g.type === 'b')!.values).toEqual([2]);
  });

  it('a throwing key function fails that item only', async () => {
    const p = pipeline('keyed-throw', (p) => {
      p.producer('gen', () => range(4));
      p.accumulator('acc', {
        maxSize: 10,
        key: (n: number) => {
          if (n === 2) throw new Error('no key');
          return 'k';
        },
      });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.collected.batches).toEqual([[1, 3, 4]]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.input).toBe(2);
    balanced(r.stats.stages.acc!);
  });
});

describe('accumulators ignore contexts', () => {
  it('always run inline with one slot, whatever context or defaults surround them', async () => {
    const p = pipeline('acc-ctx', { defaults: { concurrency: 3 } }, (p) => {
      p.producer('gen', () => range(5));
      p.with({ strategy: 'thread', concurrency: 4 }, (q) => {
        q.batch(2);
        q.accumulator('acc', { maxSize: 2 }, (items: number[][]) => items.flat());
      });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    for (const name of ['batch', 'acc']) {
      const s = p.stages.find((x) => x.name === name)!;
      expect(s.strategy).toBe('inline');
      expect(s.concurrency).toBe(1);
    }
    expect(p.stages.find((x) => x.name === 'save')!.concurrency).toBe(3);
    // runs with the default registry, which has no `thread` strategy: proof the context was ignored
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.batches).toEqual([[1, 2, 3, 4], [5]]);
  });

  it('rejects stage-only options on an accumulator', () => {
    expect(() => pipeline('acc-opt', (p) => p.accumulator('acc', { maxSize: 2, concurrency: 2 } as never))).toThrow(/concurrency/);
  });

  it('accepts to/from on an accumulator', async () => {
    const p = pipeline('acc-route', (p) => {
      p.producer('gen', () => range(4));
      p.consumer('skipped', (n: number, _o, ctx) => ctx.collect('skipped', n));
      p.accumulator('acc', { maxSize: 2, from: 'gen', to: 'save' });
      p.processor('also-skipped', (x: unknown) => x);
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run();
    expect(r.collected.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(r.collected.skipped).toBeUndefined();
  });
});

describe('accumulator accounting', () => {
  it('in = done + failed + cancelled, and out = number of batches', async () => {
    const p = pipeline('acct', (p) => {
      p.producer('gen', () => range(23));
      p.batch(5);
      p.processor('size', (b: number[]) => b.length);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('sizes', n));
    });
    const r = await p.run();
    const s = r.stats.stages.batch!;
    expect(s.in).toBe(23);
    expect(s.done).toBe(23);
    expect(s.failed).toBe(0);
    expect(s.cancelled).toBe(0);
    expect(s.out).toBe(5);
    expect(r.collected.sizes).toEqual([5, 5, 5, 5, 3]);
    expect(r.stats.stages.size!.in).toBe(5);
    for (const st of Object.values(r.stats.stages)) balanced(st);
  });

  it('items buffered when the run is cancelled count as cancelled', async () => {
    const controller = new AbortController();
    const p = pipeline('acct-cancel', (p) => {
      p.producer('gen', async (out, ctx) => {
        for (let i = 1; i <= 5; i++) await out.emit(i);
        setTimeout(() => controller.abort(), 20);
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      });
      p.accumulator('acc', { maxSize: 100, maxWaitMs: 60_000 });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('batches', b));
    });
    const r = await p.run({ signal: controller.signal, graceMs: 500 });
    expect(r.status).toBe('cancelled');
    expect(r.collected.batches).toBeUndefined();
    const s = r.stats.stages.acc!;
    expect(s.in).toBe(5);
    expect(s.cancelled).toBe(5);
    expect(s.out).toBe(0);
    balanced(s);
    expect(r.errors.filter((e) => e.kind === 'item')).toEqual([]);
  });

  it('items routed to an accumulator with out.to() are batched too', async () => {
    const p = pipeline('acct-dyn', (p) => {
      p.producer('gen', () => range(6));
      p.processor('split', async (n: number, out) => {
        if (n % 2 === 0) await out.to('evens').emit(n);
        else return n;
      });
      p.consumer('odds', (n: number, _o, ctx) => ctx.collect('odds', n));
      p.accumulator('evens', { maxSize: 2, from: [] });
      p.consumer('save', (b: number[], _o, ctx) => ctx.collect('evens', b));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.odds).toEqual([1, 3, 5]);
    expect(r.collected.evens).toEqual([[2, 4], [6]]);
    balanced(r.stats.stages.evens!);
  });
});

describe('custom stages: p.stage(name, fn)', () => {
  it('reads its input with for await and emits', async () => {
    const p = pipeline('custom', (p) => {
      p.producer('gen', () => range(5));
      p.stage('square', async (input, out) => {
        for await (const x of input as AsyncIterable<number>) await out.emit(x * x);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1, 4, 9, 16, 25]);
    const s = r.stats.stages.square!;
    expect(s.kind).toBe('stage');
    expect(s.in).toBe(5);
    expect(s.done).toBe(5);
    expect(s.out).toBe(5);
    balanced(s);
  });

  it('emits a remainder after its input ends', async () => {
    const p = pipeline('custom-remainder', (p) => {
      p.producer('gen', () => range(7));
      p.stage('triples', async (input, out) => {
        let buf: number[] = [];
        for await (const x of input as AsyncIterable<number>) {
          buf.push(x);
          if (buf.length === 3) {
            await out.emit(buf);
            buf = [];
          }
        }
        await sleep(5); // still emitting after the input ended
        if (buf.length > 0) await out.emit(buf);
        await out.emit('end');
      });
      p.consumer('save', (b: unknown, _o, ctx) => ctx.collect('saved', b));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([[1, 2, 3], [4, 5, 6], [7], 'end']);
    expect(r.stats.stages.triples!.out).toBe(4);
    balanced(r.stats.stages.triples!);
  });

  it('with concurrency 2 runs two readers that share the input (each item once)', async () => {
    const seenBy = new Map<number, number>();
    let runners = 0;
    const p = pipeline('custom-conc', (p) => {
      p.producer('gen', () => range(20));
      p.stage('work', { concurrency: 2 }, async (input, out, ctx) => {
        const id = runners++;
        let count = 0;
        for await (const x of input as AsyncIterable<number>) {
          seenBy.set(x, (seenBy.get(x) ?? 0) + 1);
          count++;
          await sleep(1);
          await out.emit(x);
        }
        ctx.collect('counts', { id, count });
        await out.emit(`runner-${id}-done`);
      });
      p.consumer('save', (x: unknown, _o, ctx) => ctx.collect('saved', x));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(runners).toBe(2);
    expect([...seenBy.keys()].sort((a, b) => a - b)).toEqual(range(20));
    for (const n of seenBy.values()) expect(n).toBe(1);
    const counts = r.collected.counts as Array<{ id: number; count: number }>;
    expect(counts).toHaveLength(2);
    expect(counts.reduce((a, c) => a + c.count, 0)).toBe(20);
    const saved = r.collected.saved as unknown[];
    expect(saved.filter((x) => typeof x === 'number').sort((a, b) => (a as number) - (b as number))).toEqual(range(20));
    expect(saved.filter((x) => typeof x === 'string').sort()).toEqual(['runner-0-done', 'runner-1-done']);
    const s = r.stats.stages.work!;
    expect(s.concurrency).toBe(2);
    expect(s.in).toBe(20);
    expect(s.out).toBe(22);
    balanced(s);
  });

  it('a custom stage that throws fails the item it held, and the run ends', async () => {
    const p = pipeline('custom-throw', (p) => {
      p.producer('gen', () => range(3));
      p.stage('boom', async (input, out) => {
        for await (const x of input as AsyncIterable<number>) {
          if (x === 2) throw new Error('custom failed');
          await out.emit(x);
        }
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1]);
    // The error carries the item the reader held (for await calls return() on the throw: that must not
    // count the item as done); item 3 had no reader left.
    expect(r.errors.map((e) => [e.stage, e.input, e.message.includes('custom failed'), (e.error as { code?: string }).code])).toEqual([
      ['boom', 2, true, undefined],
      ['boom', 3, false, 'ERR_MINIGUN_STAGE_CLOSED'],
    ]);
    const s = r.stats.stages.boom!;
    expect(s).toMatchObject({ in: 3, done: 1, failed: 2 });
    balanced(s);
  });

  it('an item a reader left with break is done once the function returns', async () => {
    const p = pipeline('custom-break', (p) => {
      p.producer('gen', () => range(3));
      p.stage('first', async (input, out) => {
        for await (const x of input as AsyncIterable<number>) {
          await out.emit(x);
          break;
        }
        await sleep(5);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await p.run();
    expect(r.collected.saved).toEqual([1]);
    expect(r.stats.stages.first).toMatchObject({ in: 3, done: 1, failed: 2 });
    expect(r.errors.map((e) => e.input)).toEqual([2, 3]);
    balanced(r.stats.stages.first!);
  });

  it('ends (no hang) when every reader returns before its input ends: later items fail with ERR_MINIGUN_STAGE_CLOSED', async () => {
    const p = pipeline('custom-quits', (p) => {
      p.producer('gen', async (out) => {
        for (const n of range(5)) {
          await sleep(10); // the reader has returned before the first item comes
          await out.emit(n);
        }
      });
      p.stage('quit', { concurrency: 2 }, async () => undefined);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await Promise.race([p.run(), sleep(10_000).then(() => 'hung' as const)]);
    if (r === 'hung') throw new Error('the run hung');
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toBeUndefined();
    expect(r.errors.map((e) => [e.stage, e.input, (e.error as { code?: string }).code])).toEqual(range(5).map((n) => ['quit', n, 'ERR_MINIGUN_STAGE_CLOSED']));
    expect(r.errors[0]!.message).toContain('no reader left');
    expect(r.stats.stages.quit).toMatchObject({ in: 5, done: 0, failed: 5 });
    balanced(r.stats.stages.quit!);
  });

  it('a reader still running when the run is cancelled gets the grace period, and what it collects is kept', async () => {
    const controller = new AbortController();
    const p = pipeline('custom-grace', (p) => {
      p.producer('gen', async (out) => {
        for (let n = 1; ; n++) await out.emit(n);
      });
      p.stage('slow', async (input, _out, ctx) => {
        let read = 0;
        for await (const _ of input) {
          read++;
          if (read === 3) controller.abort();
        }
        await sleep(50); // after its input ended: still running when the run has nothing else left
        ctx.collect('read', { read, aborted: ctx.signal.aborted });
      });
    });
    const r = await p.run({ signal: controller.signal, graceMs: 5000 });
    expect(r.status).toBe('cancelled');
    expect(r.collected.read).toEqual([{ read: 3, aborted: true }]);
    expect(r.errors).toEqual([]);
    balanced(r.stats.stages.slow!);
  });

  it('an isolated strategy without stream(): the run fails before any stage starts, naming the stage; with rejectCustomStage run() rejects', async () => {
    const isolated = (validate: boolean): Strategy => ({
      name: 'no-stream',
      isolated: true,
      ...(validate ? { validate: (stage) => rejectCustomStage('no-stream', stage) } : {}),
      createExecutor: () => ({ execute: async () => [], close: async () => undefined }),
    });
    const ran: string[] = [];
    const p = pipeline('custom-no-stream', { module: import.meta.url }, (p) => {
      p.producer('gen', () => {
        ran.push('gen');
        return [1];
      });
      p.stage('whole', { strategy: 'no-stream' }, async (input) => {
        for await (const _ of input) ran.push('whole');
      });
    });
    const r = await p.run({ registry: new Registry().use({ name: 'x', strategies: [isolated(false)] }) });
    expect(r.status).toBe('failed');
    expect((r.error as { code?: string }).code).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(r.error!.message).toContain('"whole"');
    expect(r.error!.message).toContain('the no-stream strategy cannot run');
    const rejected = await p.run({ registry: new Registry().use({ name: 'x', strategies: [isolated(true)] }) }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(rejected?.code).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(rejected?.message).toContain('"whole"');
    expect(ran).toEqual([]);
  });

  it('a custom stage after a batch receives the batches', async () => {
    const p = pipeline('custom-after-batch', (p) => {
      p.producer('gen', () => range(5));
      p.batch(2);
      p.stage('sizes', async (input, out) => {
        let total = 0;
        for await (const b of input as AsyncIterable<number[]>) total += b.length;
        await out.emit(total);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await p.run();
    expect(r.collected.saved).toEqual([5]);
  });
});
