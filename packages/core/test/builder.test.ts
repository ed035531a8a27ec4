import { describe, expect, it } from 'vitest';
import { pipeline, type Pipeline, type RunResult } from '@minigun/core';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const describeStage = (p: Pipeline<never> | Pipeline<unknown>, name: string) => {
  const s = p.stages.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no stage ${name}`);
  return s;
};

/** A processor function that records how many of its inputs run at once. */
function concurrencyProbe(delayMs = 5) {
  let active = 0;
  let max = 0;
  const fn = async (n: number): Promise<number> => {
    active++;
    max = Math.max(max, active);
    await sleep(delayMs);
    active--;
    return n;
  };
  return { fn, max: () => max };
}

async function saved(p: Pipeline<never> | Pipeline<unknown>): Promise<{ r: RunResult; saved: unknown[] }> {
  const r = await p.run();
  expect(r.status).toBe('completed');
  return { r, saved: r.collected.saved ?? [] };
}

describe('producer forms', () => {
  it('calls out.emit', async () => {
    const p = pipeline('emit', (p) => {
      p.producer('gen', async (out) => {
        for (let i = 1; i <= 4; i++) await out.emit(i);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual([1, 2, 3, 4]);
    expect(r.stats.stages.gen!.out).toBe(4);
    expect(r.stats.stages.gen!.in).toBe(1);
    expect(r.stats.stages.gen!.done).toBe(1);
  });

  it('returns an array', async () => {
    const p = pipeline('array', (p) => {
      p.producer('gen', () => ['a', 'b', 'c']);
      p.consumer('save', (x: string, _o, ctx) => ctx.collect('saved', x));
    });
    expect((await saved(p)).saved).toEqual(['a', 'b', 'c']);
  });

  it('returns a promise of an array', async () => {
    const p = pipeline('promise-array', (p) => {
      p.producer('gen', async () => {
        await sleep(1);
        return [7, 8];
      });
      p.consumer('save', (x: number, _o, ctx) => ctx.collect('saved', x));
    });
    expect((await saved(p)).saved).toEqual([7, 8]);
  });

  it('returns another iterable (a Set)', async () => {
    const p = pipeline('set', (p) => {
      p.producer('gen', () => new Set([3, 1, 2]));
      p.consumer('save', (x: number, _o, ctx) => ctx.collect('saved', x));
    });
    expect((await saved(p)).saved).toEqual([3, 1, 2]);
  });

  it('is a sync generator', async () => {
    const p = pipeline('gen-sync', (p) => {
      p.producer('gen', function* () {
        for (let i = 0; i < 5; i++) yield i * i;
      });
      p.consumer('save', (x: number, _o, ctx) => ctx.collect('saved', x));
    });
    expect((await saved(p)).saved).toEqual([0, 1, 4, 9, 16]);
  });

  it('is an async generator', async () => {
    const p = pipeline('gen-async', (p) => {
      p.producer('gen', async function* () {
        for (let i = 0; i < 3; i++) {
          await sleep(1);
          yield `item-${i}`;
        }
      });
      p.consumer('save', (x: string, _o, ctx) => ctx.collect('saved', x));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual(['item-0', 'item-1', 'item-2']);
    expect(r.stats.stages.gen!.out).toBe(3);
  });

  it('returns nothing and emits nothing: the run completes with no items', async () => {
    let called = 0;
    const p = pipeline('nothing', (p) => {
      p.producer('gen', () => {
        called++;
      });
      p.consumer('save', (x: number, _o, ctx) => ctx.collect('saved', x));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(called).toBe(1);
    expect(r.collected.saved).toBeUndefined();
    expect(r.stats.stages.gen!.out).toBe(0);
    expect(r.stats.stages.gen!.done).toBe(1);
    expect(r.stats.stages.save!.in).toBe(0);
  });

  it('a throwing producer is recorded, keeps what it emitted, and the run completes', async () => {
    const p = pipeline('throwing', (p) => {
      p.producer('gen', async (out) => {
        await out.emit(1);
        throw new Error('source broke');
      });
      p.consumer('save', (x: number, _o, ctx) => ctx.collect('saved', x));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.stage).toBe('gen');
    expect(r.errors[0]!.message).toContain('source broke');
    expect(r.stats.stages.gen!.failed).toBe(1);
  });
});

describe('processors and consumers', () => {
  it('a processor returning undefined emits nothing and counts as filtered when it has targets', async () => {
    const p = pipeline('filter', (p) => {
      p.producer('gen', () => range(10));
      p.processor('evens', (n: number) => (n % 2 === 0 ? n : undefined));
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual([2, 4, 6, 8, 10]);
    const st = r.stats.stages.evens!;
    expect(st.in).toBe(10);
    expect(st.done).toBe(10);
    expect(st.out).toBe(5);
    expect(st.filtered).toBe(5);
    expect(r.stats.stages.save!.filtered).toBe(0);
  });

  it('a last processor (no targets) returning undefined is not counted as filtered', async () => {
    const p = pipeline('filter-last', (p) => {
      p.producer('gen', () => range(4));
      p.processor('last', (n: number, _o, ctx) => {
        ctx.collect('saw', n);
      });
    });
    const r = await p.run();
    expect(r.collected.saw).toEqual([1, 2, 3, 4]);
    expect(r.stats.stages.last!.done).toBe(4);
    expect(r.stats.stages.last!.filtered).toBe(0);
    expect(r.stats.stages.last!.out).toBe(0);
  });

  it('an async processor resolving undefined emits nothing; null is a value and is emitted', async () => {
    const p = pipeline('async-filter', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('maybe', async (n: number) => {
        await sleep(1);
        if (n === 1) return undefined;
        if (n === 2) return null;
        return n;
      });
      p.consumer('save', (x: unknown, _o, ctx) => ctx.collect('saved', x));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual([null, 3]);
    expect(r.stats.stages.maybe!.filtered).toBe(1);
  });

  it('a processor may emit with out.emit and also return a value', async () => {
    const p = pipeline('emit-and-return', (p) => {
      p.producer('gen', () => [1, 2]);
      p.processor('split', async (n: number, out) => {
        await out.emit(n * 10);
        return n * 100;
      });
      p.consumer('save', (x: number, _o, ctx) => ctx.collect('saved', x));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual([10, 100, 20, 200]);
    expect(r.stats.stages.split!.out).toBe(4);
    expect(r.stats.stages.split!.filtered).toBe(0);
  });

  it("a consumer's return value is not emitted, but out.emit from a consumer is", async () => {
    const p = pipeline('consumer-emit', (p) => {
      p.producer('gen', () => [1, 2]);
      p.consumer('first', async (n: number, out) => {
        if (n === 2) await out.emit(`emitted-${n}`);
        return `returned-${n}`;
      });
      p.consumer('save', (x: string, _o, ctx) => ctx.collect('saved', x));
    });
    const { saved: s } = await saved(p);
    expect(s).toEqual(['emitted-2']);
  });
});

describe('contexts: p.with', () => {
  it('applies options to every stage defined inside', async () => {
    const probe = concurrencyProbe();
    const p = pipeline('with', (p) => {
      p.producer('gen', () => range(12));
      p.with({ concurrency: 4, queueSize: 50 }, (q) => {
        q.processor('slow', probe.fn);
        q.processor('pass', (n: number) => n);
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(describeStage(p, 'slow').concurrency).toBe(4);
    expect(describeStage(p, 'pass').concurrency).toBe(4);
    expect(describeStage(p, 'save').concurrency).toBe(1);
    expect(describeStage(p, 'gen').concurrency).toBe(1);
    const { r, saved: s } = await saved(p);
    expect([...(s as number[])].sort((a, b) => a - b)).toEqual(range(12));
    expect(probe.max()).toBeGreaterThan(1);
    expect(probe.max()).toBeLessThanOrEqual(4);
    expect(r.stats.stages.slow!.queue.capacity).toBe(50);
    expect(r.stats.stages.save!.queue.capacity).toBe(1000);
  });

  it('contexts nest (inner wins) and stage options win over contexts', () => {
    const p = pipeline('nested-with', (p) => {
      p.producer('gen', () => [1]);
      p.with({ strategy: 'thread', concurrency: 4 }, (q) => {
        q.processor('outer', (n: number) => n);
        q.with({ concurrency: 2 }, (r) => {
          r.processor('inner', (n: number) => n);
          r.processor('own', { concurrency: 7, strategy: 'inline' }, (n: number) => n);
        });
        q.processor('after-inner', (n: number) => n);
      });
      p.consumer('outside', () => undefined);
    });
    expect(describeStage(p, 'outer')).toMatchObject({ strategy: 'thread', concurrency: 4 });
    expect(describeStage(p, 'inner')).toMatchObject({ strategy: 'thread', concurrency: 2 });
    expect(describeStage(p, 'own')).toMatchObject({ strategy: 'inline', concurrency: 7 });
    expect(describeStage(p, 'after-inner')).toMatchObject({ strategy: 'thread', concurrency: 4 });
    expect(describeStage(p, 'outside')).toMatchObject({ strategy: 'inline', concurrency: 1 });
  });

  it('stages inside a context take part in default routing in definition order', async () => {
    const p = pipeline('with-routing', (p) => {
      p.producer('gen', () => [1, 2]);
      p.with({ concurrency: 2 }, (q) => {
        q.processor('a', (n: number) => n + 1);
      });
      p.processor('b', (n: number) => n * 10);
      p.with({ retries: 1 }, (q) => {
        q.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
      });
    });
    expect(p.stages.map((s) => [s.name, s.to])).toEqual([
      ['gen', ['a']],
      ['a', ['b']],
      ['b', ['save']],
      ['save', []],
    ]);
    expect((await saved(p)).saved).toEqual([20, 30]);
  });
});

describe('nested pipeline options', () => {
  it('options of p.pipeline(name, options, define) apply to its stages like a context', () => {
    const p = pipeline('nested-opts', (p) => {
      p.producer('gen', () => [1]);
      p.pipeline('sub', { concurrency: 3 }, (q) => {
        q.processor('a', (n: number) => n);
        q.processor('b', { concurrency: 1 }, (n: number) => n);
      });
      p.consumer('save', () => undefined);
    });
    expect(describeStage(p, 'sub/a').concurrency).toBe(3);
    expect(describeStage(p, 'sub/b').concurrency).toBe(1);
    expect(describeStage(p, 'save').concurrency).toBe(1);
  });
});

describe('named contexts', () => {
  it('p.context + { context } applies the named options', async () => {
    const probe = concurrencyProbe();
    const p = pipeline('named', (p) => {
      p.context('cpu', { concurrency: 3, retries: 2 });
      p.producer('gen', () => range(9));
      p.processor('work', { context: 'cpu' }, probe.fn);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(describeStage(p, 'work').concurrency).toBe(3);
    expect(describeStage(p, 'save').concurrency).toBe(1);
    const { saved: s } = await saved(p);
    expect(s).toHaveLength(9);
    expect(probe.max()).toBeGreaterThan(1);
    expect(probe.max()).toBeLessThanOrEqual(3);
  });

  it('retries from a named context take effect', async () => {
    const attempts = new Map<number, number>();
    const p = pipeline('named-retries', (p) => {
      p.context('flaky', { retries: 2 });
      p.producer('gen', () => [1, 2]);
      p.processor('work', { context: 'flaky' }, (n: number) => {
        const a = (attempts.get(n) ?? 0) + 1;
        attempts.set(n, a);
        if (a < 3) throw new Error(`attempt ${a}`);
        return n;
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual([1, 2]);
    expect(r.errors).toEqual([]);
    expect(r.stats.stages.work!.retried).toBe(4);
  });

  it('stage options win over the named context; a context may be declared after its use', () => {
    const p = pipeline('named-win', (p) => {
      p.producer('gen', () => [1]);
      p.processor('a', { context: 'io', concurrency: 5 }, (n: number) => n);
      p.processor('b', { context: 'io' }, (n: number) => n);
      p.context('io', { concurrency: 8, strategy: 'thread' });
    });
    expect(describeStage(p, 'a')).toMatchObject({ concurrency: 5, strategy: 'thread' });
    expect(describeStage(p, 'b')).toMatchObject({ concurrency: 8, strategy: 'thread' });
  });

  it('a named context is more specific than a surrounding p.with', () => {
    const p = pipeline('named-vs-with', (p) => {
      p.context('cpu', { concurrency: 2 });
      p.producer('gen', () => [1]);
      p.with({ concurrency: 6, queueSize: 10 }, (q) => {
        q.processor('a', { context: 'cpu' }, (n: number) => n);
      });
    });
    expect(describeStage(p, 'a').concurrency).toBe(2);
  });
});

describe('pipeline defaults', () => {
  it('apply to every stage; contexts and stage options win', () => {
    const p = pipeline('defaults', { defaults: { concurrency: 2, strategy: 'thread' } }, (p) => {
      p.producer('gen', () => [1]);
      p.processor('plain', (n: number) => n);
      p.processor('own', { concurrency: 5 }, (n: number) => n);
      p.with({ concurrency: 3 }, (q) => q.processor('ctx', (n: number) => n));
      p.context('one', { concurrency: 1, strategy: 'inline' });
      p.consumer('named', { context: 'one' }, () => undefined);
    });
    expect(describeStage(p, 'plain')).toMatchObject({ concurrency: 2, strategy: 'thread' });
    expect(describeStage(p, 'own')).toMatchObject({ concurrency: 5, strategy: 'thread' });
    expect(describeStage(p, 'ctx')).toMatchObject({ concurrency: 3, strategy: 'thread' });
    expect(describeStage(p, 'named')).toMatchObject({ concurrency: 1, strategy: 'inline' });
  });

  it('retries from defaults take effect at run time', async () => {
    let calls = 0;
    const p = pipeline('defaults-retries', { defaults: { retries: 1 } }, (p) => {
      p.producer('gen', () => [1]);
      p.processor('flaky', (n: number) => {
        calls++;
        if (calls === 1) throw new Error('first attempt fails');
        return n;
      });
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const { r, saved: s } = await saved(p);
    expect(s).toEqual([1]);
    expect(calls).toBe(2);
    expect(r.stats.stages.flaky!.retried).toBe(1);
  });

  it('p.defaults() changes defaults, also for stages defined before it', () => {
    const p = pipeline('p-defaults', (p) => {
      p.producer('gen', () => [1]);
      p.processor('before', (n: number) => n);
      p.defaults({ concurrency: 4 });
      p.processor('after', (n: number) => n);
    });
    expect(describeStage(p, 'before').concurrency).toBe(4);
    expect(describeStage(p, 'after').concurrency).toBe(4);
  });
});

describe('extend', () => {
  const makeParent = (log: string[]) =>
    pipeline('parent', (p) => {
      p.beforeRun(() => void log.push('parent:beforeRun'));
      p.before('double', () => void log.push('parent:before:double'));
      p.afterRun(() => void log.push('parent:afterRun'));
      p.producer('gen', () => [1, 2, 3]);
      p.processor('double', (n: number) => n * 2);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });

  it('the child adds stages and hooks; the parent is unchanged', async () => {
    const log: string[] = [];
    const parent = makeParent(log);
    const child = parent.extend('child', (p) => {
      p.beforeRun(() => void log.push('child:beforeRun'));
      p.consumer('audit', { from: [] }, (n: number, _o, ctx) => ctx.collect('audit', n));
      p.reroute('double', { to: ['save', 'audit'] });
    });
    expect(child.name).toBe('child');
    expect(child.stages.map((s) => s.name).sort()).toEqual(['audit', 'double', 'gen', 'save']);
    expect(parent.stages.map((s) => s.name)).toEqual(['gen', 'double', 'save']);

    const rc = await child.run();
    expect(rc.status).toBe('completed');
    expect(rc.pipeline).toBe('child');
    expect(rc.collected.saved).toEqual([2, 4, 6]);
    expect(rc.collected.audit).toEqual([2, 4, 6]);
    expect(log).toContain('child:beforeRun');

    log.length = 0;
    const rp = await parent.run();
    expect(rp.status).toBe('completed');
    expect(rp.collected.saved).toEqual([2, 4, 6]);
    expect(rp.collected.audit).toBeUndefined();
    expect(rp.stats.stages.audit).toBeUndefined();
    expect(log).toEqual(['parent:beforeRun', 'parent:before:double', 'parent:afterRun']);
  });

  it('siblings are independent', async () => {
    const parent = makeParent([]);
    const a = parent.extend('a', (p) => p.consumer('only-a', { from: 'double' }, (n: number, _o, ctx) => ctx.collect('a', n)));
    const b = parent.extend('b', (p) => {
      p.context('fast', { concurrency: 3 });
      p.consumer('only-b', { from: 'double', context: 'fast' }, (n: number, _o, ctx) => ctx.collect('b', n));
    });
    expect(a.stages.map((s) => s.name)).not.toContain('only-b');
    expect(b.stages.map((s) => s.name)).not.toContain('only-a');
    const ra = await a.run();
    const rb = await b.run();
    expect(ra.collected.a).toEqual([2, 4, 6]);
    expect(ra.collected.b).toBeUndefined();
    expect(rb.collected.b).toEqual([2, 4, 6]);
    expect(rb.collected.a).toBeUndefined();
    // a sibling may define the same new name as another sibling
    expect(() => parent.extend('c', (p) => p.consumer('only-a', () => undefined))).not.toThrow();
    // a context declared in one sibling is unknown in the other
    expect(() => a.extend('d', (p) => p.consumer('x', { context: 'fast' }, () => undefined))).toThrow(/fast/);
  });

  it('works over three levels, each adding stages and hooks', async () => {
    const log: string[] = [];
    const l1 = pipeline('l1', (p) => {
      p.beforeRun(() => void log.push('l1'));
      p.producer('gen', () => [1, 2]);
      p.processor('add1', (n: number) => n + 1);
    });
    const l2 = l1.extend('l2', (p) => {
      p.beforeRun(() => void log.push('l2'));
      p.processor('times10', (n: number) => n * 10);
    });
    const l3 = l2.extend('l3', (p) => {
      p.beforeRun(() => void log.push('l3'));
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    expect(l3.stages.map((s) => s.name)).toEqual(['gen', 'add1', 'times10', 'save']);
    const r3 = await l3.run();
    expect(r3.collected.saved).toEqual([20, 30]);
    expect(log).toEqual(['l1', 'l2', 'l3']);

    log.length = 0;
    const r2 = await l2.run();
    expect(r2.collected.saved).toBeUndefined();
    expect(r2.stats.stages.times10!.out).toBe(2);
    expect(log).toEqual(['l1', 'l2']);
    expect(l1.stages.map((s) => s.name)).toEqual(['gen', 'add1']);
  });

  it("runs a parent's hooks before a child's, at every hook point", async () => {
    const log: string[] = [];
    const parent = pipeline('hp', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('save', () => undefined);
      p.beforeRun(() => void log.push('parent:beforeRun'));
      p.before('save', () => void log.push('parent:before:save'));
      p.after('save', () => void log.push('parent:after:save'));
      p.afterRun(() => void log.push('parent:afterRun'));
    });
    // the child registers its hooks first in its own define, and defines them in reverse order
    const child = parent.extend('hc', (p) => {
      p.afterRun(() => void log.push('child:afterRun'));
      p.after('save', () => void log.push('child:after:save'));
      p.before('save', () => void log.push('child:before:save'));
      p.beforeRun(() => void log.push('child:beforeRun'));
    });
    const grandchild = child.extend('hg', (p) => {
      p.beforeRun(() => void log.push('grandchild:beforeRun'));
    });
    const r = await child.run();
    expect(r.status).toBe('completed');
    const at = (x: string) => log.indexOf(x);
    expect(at('parent:beforeRun')).toBeGreaterThanOrEqual(0);
    expect(at('parent:beforeRun')).toBeLessThan(at('child:beforeRun'));
    expect(at('parent:before:save')).toBeLessThan(at('child:before:save'));
    expect(at('parent:after:save')).toBeLessThan(at('child:after:save'));
    expect(at('parent:afterRun')).toBeLessThan(at('child:afterRun'));
    // and the run's overall order: beforeRun first, afterRun last
    expect(log[0]).toBe('parent:beforeRun');
    expect(log[log.length - 1]).toBe('child:afterRun');

    log.length = 0;
    await grandchild.run();
    expect(log.filter((x) => x.endsWith(':beforeRun'))).toEqual(['parent:beforeRun', 'child:beforeRun', 'grandchild:beforeRun']);
  });

  it('extend may change defaults for the child only', () => {
    const parent = pipeline('dp', (p) => {
      p.producer('gen', () => [1]);
      p.processor('work', (n: number) => n);
    });
    const child = parent.extend('dc', { defaults: { concurrency: 6 } }, (p) => {
      p.consumer('save', () => undefined);
    });
    expect(describeStage(child, 'work').concurrency).toBe(6);
    expect(describeStage(child, 'save').concurrency).toBe(6);
    expect(describeStage(parent, 'work').concurrency).toBe(1);
  });

  it('a child stage continues the parent sequence by default routing', () => {
    const parent = pipeline('rp', (p) => {
      p.producer('gen', () => [1]);
      p.processor('a', (n: number) => n);
    });
    const child = parent.extend('rc', (p) => p.consumer('b', () => undefined));
    expect(describeStage(child, 'a').to).toEqual(['b']);
    expect(describeStage(parent, 'a').to).toEqual([]);
  });
});

describe('pipeline.stages', () => {
  it('describes every stage with kind, strategy, concurrency and targets, in topological order', () => {
    const p = pipeline('desc', (p) => {
      p.consumer('save', { from: 'double' }, () => undefined);
      p.producer('gen', () => [1]);
      p.processor('double', { concurrency: 3 }, (n: number) => n * 2);
      p.batch(2);
      p.stage('custom', { strategy: 'thread' }, async (input) => {
        for await (const _ of input) void _;
      });
      p.pipeline('sub', (q) => q.processor('inner', (n: number) => n));
    });
    expect(p.name).toBe('desc');
    expect(p.stages).toEqual([
      { name: 'gen', kind: 'producer', strategy: 'inline', concurrency: 1, to: ['double'] },
      { name: 'double', kind: 'processor', strategy: 'inline', concurrency: 3, to: ['save'] },
      { name: 'save', kind: 'consumer', strategy: 'inline', concurrency: 1, to: [] },
      { name: 'batch', kind: 'accumulator', strategy: 'inline', concurrency: 1, to: ['custom'] },
      { name: 'custom', kind: 'stage', strategy: 'thread', concurrency: 1, to: ['sub/inner'] },
      { name: 'sub/inner', kind: 'processor', strategy: 'inline', concurrency: 1, to: [] },
    ]);
  });

  it('returns a fresh description (mutating it does not change the pipeline)', () => {
    const p = pipeline('desc2', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('save', () => undefined);
    });
    const first = p.stages;
    (first[0]!.to as string[]).push('bogus');
    expect(p.stages[0]!.to).toEqual(['save']);
  });
});
