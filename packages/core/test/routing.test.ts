import { describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, pipeline, type Pipeline, type RunResult } from '@minigun/core';

/** Runs `p`, failing the test with a clear message if the run does not end within `ms` (a hang). */
async function runWithin<S>(p: Pipeline<S>, ms = 3000, state?: S): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run of "${p.name}" did not end within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([p.run(state === undefined ? {} : { state }), hang]);
  } finally {
    clearTimeout(timer);
  }
}

const sorted = (xs: unknown[] | undefined): number[] => [...((xs ?? []) as number[])].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const edges = (p: Pipeline<never> | Pipeline<unknown>): Record<string, readonly string[]> => Object.fromEntries(p.stages.map((s) => [s.name, s.to]));

describe('default routing', () => {
  it('feeds each stage into the next one defined after it', async () => {
    const p = pipeline('seq', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('double', (n: number) => n * 2);
      p.processor('inc', (n: number) => n + 1);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(edges(p)).toEqual({ gen: ['double'], double: ['inc'], inc: ['save'], save: [] });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([3, 5, 7]);
    expect(r.errors).toEqual([]);
    const s = r.stats.stages;
    expect(s.gen!.out).toBe(3);
    expect(s.double!.in).toBe(3);
    expect(s.double!.out).toBe(3);
    expect(s.inc!.in).toBe(3);
    expect(s.save!.in).toBe(3);
    expect(s.save!.done).toBe(3);
    expect(s.save!.out).toBe(0);
  });

  it('skips producers when finding the next stage (producers never receive)', () => {
    const p = pipeline('skip-producers', (p) => {
      p.producer('a', () => [1]);
      p.producer('b', () => [2]);
      p.consumer('save', () => undefined);
    });
    expect(edges(p)).toEqual({ a: ['save'], b: ['save'], save: [] });
  });

  it('does not default-route a stage that has `to`, or that a later stage lists in `from`', () => {
    const p = pipeline('explicit', (p) => {
      p.producer('gen', { to: 'c' }, () => [1]);
      p.processor('b', (n: number) => n);
      p.processor('c', (n: number) => n);
      p.consumer('d', { from: 'b' }, () => undefined);
    });
    // gen has `to`; b is named in d's `from`. d's own `from` adds b → d and removes no default edge: c → d.
    expect(edges(p)).toEqual({ gen: ['c'], b: ['d'], c: ['d'], d: [] });
  });

  it('`from` adds edges and never removes a default one (gap filling)', async () => {
    // orders (producer), price, refunds (producer), adjust, ledger { from: 'price' }
    const p = pipeline('gap-filling', (p) => {
      p.producer('orders', () => [100, 200]);
      p.processor('price', (n: number) => `price:${n}`);
      p.producer('refunds', () => [-5]);
      p.processor('adjust', (n: number) => `adjust:${n}`);
      p.consumer('ledger', { from: 'price' }, (s: string, _o, ctx) => ctx.collect('ledger', s));
    });
    expect(edges(p)).toEqual({ orders: ['price'], price: ['ledger'], refunds: ['adjust'], adjust: ['ledger'], ledger: [] });
    const r = await runWithin(p);
    expect([...(r.collected.ledger as string[])].sort()).toEqual(['adjust:-5', 'price:100', 'price:200']);
  });

  it('`from: []` takes no default input: the stage receives only explicit `to`s and out.to()', () => {
    const p = pipeline('from-empty', (p) => {
      p.producer('gen', () => [1]);
      p.processor('a', (n: number) => n);
      p.consumer('b', { from: [] }, () => undefined);
    });
    expect(edges(p)).toEqual({ gen: ['a'], a: [], b: [] });
  });
});

describe('explicit to/from', () => {
  it('routes with `to`, skipping stages in between', async () => {
    const p = pipeline('to', (p) => {
      p.producer('gen', { to: 'save' }, () => [1, 2]);
      p.processor('skipped', (n: number) => n * 100);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.collected.saved).toEqual([1, 2]);
    expect(r.stats.stages.skipped!.in).toBe(0);
  });

  it('routes with `from`', async () => {
    const p = pipeline('from', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('triple', { to: 'other' }, (n: number) => n * 3);
      p.consumer('save', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('saved', n));
      p.consumer('other', (n: number, _o, ctx) => ctx.collect('other', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    // gen is named in save's `from`, so it does not default-route to triple.
    expect(r.collected.saved).toEqual([1, 2, 3]);
    expect(r.stats.stages.triple!.in).toBe(0);
    expect(r.collected.other).toBeUndefined();
  });

  it('`from: []` takes no default input, only explicit `to`s and out.to()', async () => {
    const p = pipeline('from-empty', (p) => {
      p.producer('gen', () => [1, 2]);
      p.processor('main', async (n: number, out) => {
        if (n === 2) await out.to('side').emit(n);
        else return n;
      });
      p.consumer('side', { from: [] }, (n: number, _o, ctx) => ctx.collect('side', n));
    });
    expect(edges(p)).toEqual({ gen: ['main'], main: [], side: [] });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.side).toEqual([2]);
    expect(r.stats.stages.main!.done).toBe(2);
  });
});

describe('fan-out, fan-in, diamond', () => {
  it('fan-out with `to: [...]` sends every item to every target', async () => {
    const p = pipeline('fanout', (p) => {
      p.producer('gen', { to: ['a', 'b', 'c'] }, () => range(5));
      p.consumer('a', { from: [] }, (n: number, _o, ctx) => ctx.collect('a', n));
      p.consumer('b', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('b', n));
      p.consumer('c', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('c', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.a).toEqual(range(5));
    expect(r.collected.b).toEqual(range(5));
    expect(r.collected.c).toEqual(range(5));
    // `out` counts each emit once, whatever the number of targets.
    expect(r.stats.stages.gen!.out).toBe(5);
  });

  it('fan-out with `from` on each branch broadcasts too', async () => {
    const p = pipeline('fanout-from', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.consumer('x', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('x', n));
      p.consumer('y', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('y', n));
    });
    // y's `from` does not remove the default edge x → y (x emits nothing, so y still sees only gen's items).
    expect(edges(p)).toEqual({ gen: ['x', 'y'], x: ['y'], y: [] });
    const r = await runWithin(p);
    expect(r.collected.x).toEqual([1, 2, 3]);
    expect(r.collected.y).toEqual([1, 2, 3]);
  });

  it('fan-in merges several sources into one stage', async () => {
    const p = pipeline('fanin', (p) => {
      p.producer('gen', { to: ['odd', 'even'] }, () => range(6));
      p.processor('odd', { to: 'merge' }, (n: number) => (n % 2 === 1 ? `odd:${n}` : undefined));
      p.processor('even', { to: 'merge' }, (n: number) => (n % 2 === 0 ? `even:${n}` : undefined));
      p.consumer('merge', (s: string, _o, ctx) => ctx.collect('merged', s));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect([...(r.collected.merged as string[])].sort()).toEqual(['even:2', 'even:4', 'even:6', 'odd:1', 'odd:3', 'odd:5']);
    expect(r.stats.stages.merge!.in).toBe(6);
    expect(r.stats.stages.odd!.filtered).toBe(3);
    expect(r.stats.stages.even!.filtered).toBe(3);
  });

  it('fan-in with `from: [...]`', async () => {
    const p = pipeline('fanin-from', (p) => {
      p.producer('a', () => [1, 2]);
      p.producer('b', () => [10, 20]);
      p.consumer('sink', { from: ['a', 'b'] }, (n: number, _o, ctx) => ctx.collect('sink', n));
    });
    const r = await runWithin(p);
    expect(sorted(r.collected.sink)).toEqual([1, 2, 10, 20]);
  });

  it('diamond: each item reaches the join once per branch', async () => {
    const p = pipeline('diamond', (p) => {
      p.producer('gen', { to: ['left', 'right'] }, () => [1, 2, 3]);
      p.processor('left', { to: 'join' }, async (n: number) => {
        await new Promise((r) => setTimeout(r, 1));
        return { side: 'L', n };
      });
      p.processor('right', { to: 'join' }, (n: number) => ({ side: 'R', n }));
      p.consumer('join', (x: { side: string; n: number }, _o, ctx) => ctx.collect('join', `${x.side}${x.n}`));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect([...(r.collected.join as string[])].sort()).toEqual(['L1', 'L2', 'L3', 'R1', 'R2', 'R3']);
    expect(r.stats.stages.join!.in).toBe(6);
    expect(r.stats.stages.join!.done).toBe(6);
  });
});

describe('round-robin dispatch', () => {
  it('sends each item to exactly one target, in turn', async () => {
    const p = pipeline('rr', (p) => {
      p.producer('gen', { to: ['a', 'b', 'c'], dispatch: 'round-robin' }, () => range(9));
      p.consumer('a', (n: number, _o, ctx) => ctx.collect('a', n));
      p.consumer('b', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('b', n));
      p.consumer('c', { from: 'gen' }, (n: number, _o, ctx) => ctx.collect('c', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.a).toEqual([1, 4, 7]);
    expect(r.collected.b).toEqual([2, 5, 8]);
    expect(r.collected.c).toEqual([3, 6, 9]);
    expect(r.stats.stages.gen!.out).toBe(9);
    expect(r.stats.stages.a!.in + r.stats.stages.b!.in + r.stats.stages.c!.in).toBe(9);
  });

  it('round-robin from a processor with concurrency keeps every item exactly once', async () => {
    const p = pipeline('rr-proc', (p) => {
      p.producer('gen', () => range(20));
      p.processor('work', { concurrency: 4, to: ['x', 'y'], dispatch: 'round-robin' }, async (n: number) => {
        await new Promise((r) => setTimeout(r, n % 3));
        return n;
      });
      p.consumer('x', (n: number, _o, ctx) => ctx.collect('all', n));
      p.consumer('y', { from: 'work' }, (n: number, _o, ctx) => ctx.collect('all', n));
    });
    const r = await runWithin(p);
    expect(sorted(r.collected.all)).toEqual(range(20));
    expect(r.stats.stages.x!.in).toBe(10);
    expect(r.stats.stages.y!.in).toBe(10);
  });
});

describe('dynamic routing with out.to()', () => {
  it('routes an item to any named stage', async () => {
    const p = pipeline('dyn', (p) => {
      p.producer('gen', () => range(6));
      p.processor('classify', async (n: number, out) => {
        if (n % 3 === 0) await out.to('fizz').emit(n);
        else return n;
      });
      p.consumer('plain', (n: number, _o, ctx) => ctx.collect('plain', n));
      p.consumer('fizz', { from: [] }, (n: number, _o, ctx) => ctx.collect('fizz', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.fizz).toEqual([3, 6]);
    expect(r.collected.plain).toEqual([1, 2, 4, 5]);
    expect(r.stats.stages.classify!.out).toBe(6);
  });

  it('routes back to an earlier stage (a loop that eventually stops) and the run ends', async () => {
    const p = pipeline('loop', (p) => {
      p.producer('gen', () => [3, 2]);
      p.processor('visit', (n: number, _o, ctx) => {
        ctx.collect('visits', n);
        return n;
      });
      p.processor('check', async (n: number, out) => {
        if (n > 0) await out.to('visit').emit(n - 1);
        else return 'done';
      });
      p.consumer('save', (s: string, _o, ctx) => ctx.collect('saved', s));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.visits)).toEqual([0, 0, 1, 1, 2, 2, 3]);
    expect(r.collected.saved).toEqual(['done', 'done']);
    expect(r.stats.stages.visit!.in).toBe(7);
    expect(r.stats.stages.visit!.done).toBe(7);
    expect(r.stats.stages.check!.in).toBe(7);
  });

  it('routes to itself until done, with async delays, and the run ends', async () => {
    const p = pipeline('self-loop', (p) => {
      p.producer('gen', () => [5, 1]);
      p.processor('countdown', { concurrency: 2 }, async (n: number, out, ctx) => {
        await new Promise((r) => setTimeout(r, 2));
        ctx.collect('seen', n);
        if (n > 0) await out.to('countdown').emit(n - 1);
      });
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.seen)).toEqual([0, 0, 1, 1, 2, 3, 4, 5]);
    expect(r.stats.stages.countdown!.in).toBe(8);
  });

  it('routes into a stage of a nested pipeline with "sub/step"', async () => {
    const p = pipeline('dyn-nested', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('route', async (n: number, out) => {
        if (n === 2) await out.to('sub/second').emit(n);
        else return n;
      });
      p.pipeline('sub', (q) => {
        q.processor('first', (n: number, _o, ctx) => {
          ctx.collect('first', n);
          return n;
        });
        q.processor('second', (n: number, _o, ctx) => {
          ctx.collect('second', n);
          return n;
        });
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.first).toEqual([1, 3]);
    expect(sorted(r.collected.second)).toEqual([1, 2, 3]);
    expect(r.stats.stages['sub/first']!.in).toBe(2);
    expect(r.stats.stages['sub/second']!.in).toBe(3);
    expect(sorted(r.collected.saved)).toEqual([1, 2, 3]);
  });

  it('resolves bare names inside a nested pipeline relative to it first, then at the top', async () => {
    const p = pipeline('relative', (p) => {
      p.producer('gen', () => [1, 2, 3, 4]);
      p.pipeline('sub', (q) => {
        q.processor('router', async (n: number, out) => {
          if (n === 1)
            await out.to('target').emit(n); // sub/target
          else if (n === 2)
            await out.to('top').emit(n); // top-level "top"
          else if (n === 3)
            await out.to('sub/target').emit(n); // full name
          else return n;
        });
        q.processor('target', { to: 'sink' }, (n: number, _o, ctx) => {
          ctx.collect('sub-target', n);
          return n;
        });
        q.processor('sink', (n: number) => n);
      });
      p.consumer('target', { from: [] }, (n: number, _o, ctx) => ctx.collect('top-target', n));
      p.consumer('top', { from: [] }, (n: number, _o, ctx) => ctx.collect('top', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected['sub-target'])).toEqual([1, 3, 4]);
    expect(r.collected.top).toEqual([2]);
    expect(r.collected['top-target']).toBeUndefined();
  });

  it('resolves relative static `to` inside a nested pipeline', () => {
    const p = pipeline('relative-to', (p) => {
      p.producer('gen', () => [1]);
      p.pipeline('sub', (q) => {
        q.processor('a', { to: 'c' }, (n: number) => n);
        q.processor('b', (n: number) => n);
        q.processor('c', (n: number) => n);
      });
      p.consumer('c', () => undefined);
    });
    expect(edges(p)['sub/a']).toEqual(['sub/c']);
  });

  it('an unknown out.to() target fails only that input, names the known stages, and the run ends', async () => {
    const p = pipeline('unknown-dyn', (p) => {
      p.producer('gen', () => range(5));
      p.processor('route', async (n: number, out) => {
        if (n === 3) await out.to('nowhere').emit(n);
        return n;
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1, 2, 4, 5]);
    expect(r.errors).toHaveLength(1);
    const err = r.errors[0]!;
    expect(err.stage).toBe('route');
    expect(err.input).toBe(3);
    expect((err.error as MinigunError).code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect((err.error as MinigunError).code).toBe('ERR_MINIGUN_UNKNOWN_STAGE');
    expect(err.message).toContain('"nowhere"');
    expect(err.message).toContain('"gen"');
    expect(err.message).toContain('"route"');
    expect(err.message).toContain('"save"');
    const s = r.stats.stages.route!;
    expect(s.failed).toBe(1);
    expect(s.done).toBe(4);
    expect(s.in).toBe(s.done + s.failed + s.cancelled);
  });

  it('an unknown out.to() target from a producer fails the producer, and the run ends', async () => {
    const p = pipeline('unknown-dyn-producer', (p) => {
      p.producer('gen', async (out) => {
        await out.emit(1);
        await out.to('ghost').emit(2);
        await out.emit(3);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.stage).toBe('gen');
    expect((r.errors[0]!.error as MinigunError).code).toBe(ErrorCodes.UNKNOWN_STAGE);
  });

  it('out.to() a producer fails that input with ERR_MINIGUN_INVALID_ROUTE, and the run ends', async () => {
    const p = pipeline('dyn-producer', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('route', async (n: number, out) => {
        if (n === 2) await out.to('gen').emit(n);
        return n;
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1, 3]);
    expect(r.errors).toHaveLength(1);
    expect((r.errors[0]!.error as MinigunError).code).toBe(ErrorCodes.INVALID_ROUTE);
    expect(r.errors[0]!.message).toContain('"gen"');
    expect(r.stats.stages.gen!.in).toBe(1); // its one invocation, nothing routed into it
  });

  it('a static edge to a producer is a definition error', () => {
    let caught: unknown;
    try {
      pipeline('static-producer', (p) => {
        p.producer('gen', () => [1]);
        p.processor('back', { to: 'gen' }, (n: number) => n);
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MinigunError);
    expect((caught as MinigunError).code).toBe(ErrorCodes.INVALID_ROUTE);
  });
});

describe('dynamic routing into stages whose static sources have finished', () => {
  it('an item routed back to a custom stage whose input already ended is a recorded failure, not a hang or a loss', async () => {
    // pass -> batch -> check is static; the batch flushes only once pass's input has ended, so check's
    // out.to('pass') arrives too late for a custom stage (its loop is over). A processor would take it.
    const p = pipeline('loop-custom', (p) => {
      p.producer('gen', () => [1, 2]);
      p.stage('pass', async (input, out, ctx) => {
        for await (const x of input as AsyncIterable<number>) {
          ctx.collect('passed', x);
          await out.emit(x);
        }
      });
      p.batch(3);
      p.processor('check', async (b: number[], out, ctx) => {
        for (const n of b) {
          if (n >= 100) ctx.collect('done', n);
          else await out.to('pass').emit(n * 100);
        }
      });
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.passed)).toEqual([1, 2]);
    expect(r.errors.map((e) => [e.stage, e.input, (e.error as { code?: string }).code])).toEqual([
      ['pass', 100, 'ERR_MINIGUN_STAGE_CLOSED'],
      ['pass', 200, 'ERR_MINIGUN_STAGE_CLOSED'],
    ]);
    expect(r.stats.stages.pass).toMatchObject({ in: 4, done: 2, failed: 2 });
  });

  it('a processor reached again by out.to() finishes (after hook) only after its last item', async () => {
    const log: string[] = [];
    const p = pipeline('loop-after', (p) => {
      p.producer('gen', () => [1, 2]);
      p.processor('pass', (x: number) => {
        log.push(`pass ${x}`);
        return x;
      });
      p.batch(3);
      p.processor('check', async (b: number[], out) => {
        for (const n of b) if (n < 100) await out.to('pass').emit(n * 100);
      });
      p.after('pass', () => void log.push('after pass'));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.stats.stages.pass!.done).toBe(4);
    expect(log[log.length - 1]).toBe('after pass');
    expect(log.filter((x) => x.startsWith('pass'))).toEqual(['pass 1', 'pass 2', 'pass 100', 'pass 200']);
  });

  it('a custom stage reached only by out.to() receives a remainder emitted by a later custom stage', async () => {
    const p = pipeline('late-custom', (p) => {
      // from: [] and to: []: no static edges at all, so its input ends only after every other stage.
      p.stage('sink', { from: [], to: [] }, async (input, _out, ctx) => {
        for await (const x of input) ctx.collect('sink', x);
      });
      p.producer('gen', () => [1, 2, 3]);
      p.stage('count', async (input, out) => {
        let n = 0;
        for await (const _ of input) n++;
        await out.to('sink').emit(n);
      });
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.errors.map((e) => e.message)).toEqual([]);
    expect(r.collected.sink).toEqual([3]);
  });
});

describe('multiple producers', () => {
  it('several producers feed one processor', async () => {
    const p = pipeline('multi', (p) => {
      p.producer('letters', () => ['a', 'b', 'c']);
      p.producer('numbers', async (out) => {
        for (const n of [1, 2]) await out.emit(n);
      });
      p.producer('more', async function* () {
        yield 'z';
      });
      p.processor('tag', (x: unknown) => `<${String(x)}>`);
      p.consumer('save', (s: string, _o, ctx) => ctx.collect('saved', s));
    });
    expect(edges(p)).toEqual({ letters: ['tag'], numbers: ['tag'], more: ['tag'], tag: ['save'], save: [] });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect([...(r.collected.saved as string[])].sort()).toEqual(['<1>', '<2>', '<a>', '<b>', '<c>', '<z>']);
    expect(r.stats.stages.tag!.in).toBe(6);
  });

  it('producers with explicit targets', async () => {
    const p = pipeline('multi-explicit', (p) => {
      p.producer('p1', { to: 'one' }, () => [1, 2]);
      p.producer('p2', { to: 'two' }, () => [3]);
      p.consumer('one', (n: number, _o, ctx) => ctx.collect('one', n));
      p.consumer('two', { from: [] }, (n: number, _o, ctx) => ctx.collect('two', n));
    });
    const r = await runWithin(p);
    expect(r.collected.one).toEqual([1, 2]);
    expect(r.collected.two).toEqual([3]);
  });
});

describe('nested pipelines', () => {
  it('a nested pipeline behaves as one stage for default routing', async () => {
    const p = pipeline('nest', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.pipeline('sub', (q) => {
        q.processor('double', (n: number) => n * 2);
        q.processor('inc', (n: number, _o, ctx) => {
          ctx.collect('stage-name', ctx.stage);
          return n + 1;
        });
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(edges(p)).toEqual({ gen: ['sub/double'], 'sub/double': ['sub/inc'], 'sub/inc': ['save'], save: [] });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([3, 5, 7]);
    expect(r.collected['stage-name']).toEqual(['sub/inc', 'sub/inc', 'sub/inc']);
    expect(Object.keys(r.stats.stages).sort()).toEqual(['gen', 'save', 'sub/double', 'sub/inc']);
    expect(r.stats.stages['sub/double']!.in).toBe(3);
    expect(r.stats.stages['sub/inc']!.out).toBe(3);
  });

  it('nested pipelines nest, and two sibling nested pipelines chain', async () => {
    const p = pipeline('deep', (p) => {
      p.producer('gen', () => [1, 2]);
      p.pipeline('outer', (q) => {
        q.processor('a', (n: number) => n + 1);
        q.pipeline('inner', (r) => {
          r.processor('b', (n: number) => n * 10);
        });
      });
      p.pipeline('second', (q) => {
        q.processor('c', (n: number) => n - 1);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(edges(p)).toEqual({
      gen: ['outer/a'],
      'outer/a': ['outer/inner/b'],
      'outer/inner/b': ['second/c'],
      'second/c': ['save'],
      save: [],
    });
    const r = await runWithin(p);
    expect(r.collected.saved).toEqual([19, 29]);
  });

  it('embeds an existing pipeline object as a stage', async () => {
    const inner = pipeline('inner', (q) => {
      q.processor('double', (n: number) => n * 2);
      q.processor('square', (n: number) => n * n);
    });
    const outer = pipeline('outer', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.pipeline('math', inner);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(outer.stages.map((s) => s.name)).toEqual(['gen', 'math/double', 'math/square', 'save']);
    const r = await runWithin(outer);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([4, 16, 36]);
    expect(r.stats.stages['math/double']!.in).toBe(3);
    expect(r.stats.stages['math/square']!.out).toBe(3);
    // the embedded pipeline itself is unchanged
    expect(inner.stages.map((s) => s.name)).toEqual(['double', 'square']);
  });

  it('the same pipeline embedded twice under different names', async () => {
    const inc = pipeline('inc', (q) => q.processor('step', (n: number) => n + 1));
    const p = pipeline('twice', (p) => {
      p.producer('gen', () => [0]);
      p.pipeline('first', inc);
      p.pipeline('second', inc);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.collected.saved).toEqual([2]);
    expect(r.stats.stages['first/step']!.in).toBe(1);
    expect(r.stats.stages['second/step']!.in).toBe(1);
  });

  it('a nested pipeline ending in a fan-out: each of its last stages feeds the next stage', async () => {
    const p = pipeline('nest-fanout-end', (p) => {
      p.producer('gen', () => [1, 2]);
      p.pipeline('sub', (q) => {
        q.processor('split', { to: ['left', 'right'] }, (n: number) => n);
        q.processor('left', (n: number) => `L${n}`);
        // `from: []`: right takes no default input from left (split's `to` feeds it).
        q.processor('right', { from: [] }, (n: number) => `R${n}`);
      });
      p.consumer('save', (x: string, _o, ctx) => ctx.collect('saved', x));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect([...(r.collected.saved as string[])].sort()).toEqual(['L1', 'L2', 'R1', 'R2']);
  });

  it('out.to() a nested pipeline by its name delivers to its first stage', async () => {
    const p = pipeline('dyn-to-group', (p) => {
      p.producer('gen', () => [1, 2]);
      p.processor('route', async (n: number, out) => {
        await out.to('sub').emit(n);
      });
      p.pipeline('sub', { from: [] }, (q) => {
        q.processor('first', (n: number, _o, ctx) => {
          ctx.collect('first', n);
        });
      });
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.errors.map((e) => e.message)).toEqual([]);
    expect(r.collected.first).toEqual([1, 2]);
  });

  it('routes a nested pipeline as a whole with `to`/`from`', async () => {
    const p = pipeline('nest-explicit', (p) => {
      p.producer('gen', { to: ['sub', 'direct'] }, () => [1, 2]);
      p.consumer('direct', { from: [] }, (n: number, _o, ctx) => ctx.collect('direct', n));
      p.pipeline('sub', { to: 'save' }, (q) => {
        q.processor('a', (n: number) => n * 100);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.direct).toEqual([1, 2]);
    expect(r.collected.saved).toEqual([100, 200]);
  });
});

describe('p.reroute in extend', () => {
  it('changes where an existing stage sends, leaving the parent unchanged', async () => {
    const parent = pipeline('parent', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('double', (n: number) => n * 2);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const child = parent.extend('child', (p) => {
      p.processor('triple', { to: 'save' }, (n: number) => n * 3);
      p.reroute('gen', { to: 'triple' });
    });
    expect(edges(child).gen).toEqual(['triple']);
    expect(edges(parent).gen).toEqual(['double']);

    const rc = await runWithin(child);
    expect(rc.status).toBe('completed');
    expect(rc.collected.saved).toEqual([3, 6, 9]);
    expect(rc.stats.stages.double!.in).toBe(0);

    const rp = await runWithin(parent);
    expect(rp.collected.saved).toEqual([2, 4, 6]);
    expect(rp.stats.stages.triple).toBeUndefined();
  });

  it('reroutes to several targets (broadcast)', async () => {
    const parent = pipeline('parent2', (p) => {
      p.producer('gen', () => [1, 2]);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const child = parent.extend('child2', (p) => {
      p.consumer('audit', { from: [] }, (n: number, _o, ctx) => ctx.collect('audit', n));
      p.reroute('gen', { to: ['save', 'audit'] });
    });
    const r = await runWithin(child);
    expect(r.collected.saved).toEqual([1, 2]);
    expect(r.collected.audit).toEqual([1, 2]);
  });
});

describe('runs end for every routing shape', () => {
  it('empty producers end the run for each shape', async () => {
    const shapes = [
      pipeline('e-seq', (p) => {
        p.producer('gen', () => []);
        p.processor('a', (n: number) => n);
        p.consumer('b', () => undefined);
      }),
      pipeline('e-diamond', (p) => {
        p.producer('gen', { to: ['l', 'r'] }, () => []);
        p.processor('l', { to: 'j' }, (n: number) => n);
        p.processor('r', { to: 'j' }, (n: number) => n);
        p.consumer('j', () => undefined);
      }),
      pipeline('e-rr', (p) => {
        p.producer('gen', { to: ['a', 'b'], dispatch: 'round-robin' }, () => []);
        p.consumer('a', () => undefined);
        p.consumer('b', { from: 'gen' }, () => undefined);
      }),
      pipeline('e-nested', (p) => {
        p.producer('gen', () => []);
        p.pipeline('sub', (q) => q.processor('x', (n: number) => n));
        p.batch(3);
        p.stage('custom', async (input) => {
          for await (const _ of input) void _;
        });
      }),
      pipeline('e-no-producer', (p) => {
        p.processor('a', (n: number) => n);
        p.consumer('b', () => undefined);
      }),
    ];
    for (const shape of shapes) {
      const r = await runWithin(shape, 2000);
      expect(r.status, shape.name).toBe('completed');
      expect(r.errors, shape.name).toEqual([]);
    }
  });

  it('a long chain with dynamic routing back and forth across a nested pipeline ends', async () => {
    const p = pipeline('pingpong', (p) => {
      p.producer('gen', () => [4, 0, 7]);
      p.pipeline('sub', (q) => {
        q.processor('ping', async (n: number, out) => {
          if (n > 0)
            await out.to('pong').emit(n - 1); // top-level pong
          else return n;
        });
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
      p.processor('pong', { from: [] }, async (n: number, out, ctx) => {
        ctx.collect('pong', n);
        await out.to('sub/ping').emit(n);
      });
    });
    const r = await runWithin(p);
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([0, 0, 0]);
    expect(r.stats.stages.pong!.in).toBe(4 + 7);
    expect(r.stats.stages['sub/ping']!.in).toBe(3 + 4 + 7);
  });
});
