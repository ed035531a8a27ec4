import { describe, expect, it } from 'vitest';
import { pipeline } from '@minigun/core';
import { connectionLifecycle, resourceCleanup, timingStats } from '@minigun/hooks';

describe('hook order', () => {
  it('runs beforeRun first, before/after around each stage, afterRun last', async () => {
    const events: string[] = [];
    const p = pipeline('order', (p) => {
      p.beforeRun(() => void events.push('beforeRun'));
      p.producer('gen', () => {
        events.push('gen');
        return [1, 2];
      });
      p.processor('work', (n: number) => {
        events.push(`work ${n}`);
        return n;
      });
      p.consumer('sink', () => void events.push('sink'));
      p.before('work', () => void events.push('before work'));
      p.after('work', () => void events.push('after work'));
      p.before('sink', () => void events.push('before sink'));
      p.after('sink', () => void events.push('after sink'));
      p.afterRun(() => void events.push('afterRun'));
    });
    await p.run();
    expect(events[0]).toBe('beforeRun');
    expect(events[events.length - 1]).toBe('afterRun');
    expect(events.indexOf('before work')).toBeLessThan(events.indexOf('work 1'));
    expect(events.indexOf('after work')).toBeGreaterThan(events.indexOf('work 2'));
    expect(events.indexOf('after sink')).toBeGreaterThan(events.lastIndexOf('sink'));
    expect(events.indexOf('after work')).toBeLessThan(events.indexOf('after sink'));
  });

  it('runs several hooks of one point in definition order: pipeline, stage, inline; parent before child', async () => {
    const events: string[] = [];
    const base = pipeline('base', (p) => {
      p.beforeRun(() => void events.push('base beforeRun 1'));
      p.beforeRun(() => void events.push('base beforeRun 2'));
      p.producer('gen', () => [1]);
      p.consumer('sink', { hooks: { before: () => void events.push('inline before') } }, () => undefined);
      p.before('sink', () => void events.push('stage before 1'));
      p.before('sink', () => void events.push('stage before 2'));
    });
    const child = base.extend('child', (p) => {
      p.beforeRun(() => void events.push('child beforeRun'));
      p.before('sink', () => void events.push('child stage before'));
    });
    await child.run();
    expect(events).toEqual([
      'base beforeRun 1',
      'base beforeRun 2',
      'child beforeRun',
      'stage before 1',
      'stage before 2',
      'child stage before',
      'inline before',
    ]);
    events.length = 0;
    await base.run();
    expect(events).not.toContain('child beforeRun');
  });

  it('gives hooks ctx and info with the stage name, and afterRun the result', async () => {
    const seen: unknown[] = [];
    const p = pipeline('info', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('sink', () => undefined);
      p.before('sink', (ctx, info) => void seen.push([ctx.stage, info.stage]));
      p.afterRun((ctx, result) => void seen.push([ctx.stage, result.status, result.stats.stages.sink!.done]));
    });
    await p.run();
    expect(seen).toEqual([
      ['sink', 'sink'],
      [undefined, 'completed', 1],
    ]);
  });
});

describe('hook errors', () => {
  it('a throwing beforeRun fails the run before any stage starts', async () => {
    let started = false;
    let afterRun = '';
    const p = pipeline('bad-before', (p) => {
      p.beforeRun(() => {
        throw new Error('no database');
      });
      p.producer('gen', () => {
        started = true;
        return [1];
      });
      p.afterRun((_ctx, r) => void (afterRun = r.status));
    });
    const r = await p.run();
    expect(r.status).toBe('failed');
    expect(started).toBe(false);
    expect(r.errors[0]).toMatchObject({ kind: 'hook', hook: 'beforeRun' });
    expect(r.errors[0]!.message).toContain('no database');
    expect(r.error?.message).toContain('no database');
    expect(afterRun).toBe('failed');
  });

  it('other hook errors are reported in the result and to onError, and the run goes on', async () => {
    const reported: Array<[string, string | undefined]> = [];
    const p = pipeline('bad-after', (p) => {
      p.producer('gen', () => [1, 2]);
      p.consumer('sink', (n: number, _o, ctx) => {
        if (n === 2) throw new Error('item failed');
        ctx.collect('out', n);
      });
      p.after('sink', () => {
        throw new Error('cleanup failed');
      });
      p.onError((error, info) => void reported.push([error.message, info.stage]));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([1]);
    expect(r.errors.map((e) => e.kind).sort()).toEqual(['hook', 'item']);
    expect(reported).toContainEqual(['item failed', 'sink']);
    expect(reported.some(([m, s]) => m.includes('cleanup failed') && s === 'sink')).toBe(true);
  });

  it('onError receives a hook error exactly as thrown, with info.hook and info.stage; errors[i] keeps its own message', async () => {
    class CleanupError extends Error {
      readonly table = 'orders';
    }
    const thrown = new CleanupError('cleanup failed');
    const seen: Array<{ error: Error; hook?: string; stage?: string }> = [];
    const p = pipeline('hook-error-as-thrown', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('sink', () => undefined);
      p.after('sink', () => {
        throw thrown;
      });
      p.onError((error, info) => void seen.push({ error, hook: info.hook, stage: info.stage }));
    });
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.error).toBe(thrown);
    expect(seen[0]).toMatchObject({ hook: 'after', stage: 'sink' });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ kind: 'hook', hook: 'after', stage: 'sink', message: 'cleanup failed' });
    expect(r.errors[0]!.error).toBe(thrown);
    expect(r.errors[0]!.error).toBeInstanceOf(CleanupError);
  });

  it('a failing beforeRun: result.error and errors[0] are the thrown error itself', async () => {
    const thrown = new TypeError('no database');
    const p = pipeline('before-as-thrown', (p) => {
      p.beforeRun(() => {
        throw thrown;
      });
      p.producer('gen', () => [1]);
    });
    const r = await p.run();
    expect(r.status).toBe('failed');
    expect(r.error).toBe(thrown);
    expect(r.errors[0]).toMatchObject({ kind: 'hook', hook: 'beforeRun', message: 'no database' });
    expect(r.errors[0]!.error).toBe(thrown);
  });

  it('an item error reaches onError without info.hook', async () => {
    const infos: Array<{ hook?: string; stage?: string }> = [];
    const p = pipeline('item-no-hook', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('sink', () => {
        throw new Error('item failed');
      });
      p.onError((_e, info) => void infos.push({ hook: info.hook, stage: info.stage }));
    });
    await p.run();
    expect(infos).toEqual([{ hook: undefined, stage: 'sink' }]);
  });

  it('passes the failed input to onError', async () => {
    const inputs: unknown[] = [];
    const p = pipeline('onerror-input', (p) => {
      p.producer('gen', () => [{ id: 7 }]);
      p.consumer('sink', () => {
        throw new Error('x');
      });
      p.onError((_e, info) => void inputs.push(info.input));
    });
    await p.run();
    expect(inputs).toEqual([{ id: 7 }]);
  });
});

describe('hook bundles from @minigun/hooks', () => {
  it('connectionLifecycle opens in beforeRun and closes in afterRun', async () => {
    const log: string[] = [];
    let id = 0;
    const conn = connectionLifecycle({ name: 'db', open: () => ({ id: ++id }), close: (c) => void log.push(`close ${c.id}`), record: true });
    const p = pipeline('db', (p) => {
      p.use(conn.bundle);
      p.producer('gen', () => [1, 2]);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('used', `${conn.get().id}:${n}`));
    });
    const r = await p.run();
    expect(r.collected.used).toEqual(['1:1', '1:2']);
    expect(log).toEqual(['close 1']);
    expect((r.collected['connection:db'] as Array<{ event: string }>).map((e) => e.event)).toEqual(['open', 'close']);
  });

  it('resourceCleanup disposes tracked resources after the run, also when it fails', async () => {
    const cleanup = resourceCleanup();
    const disposed: string[] = [];
    const p = pipeline('cleanup', (p) => {
      p.use(cleanup.bundle);
      p.beforeRun(() => {
        cleanup.track('a', (r) => void disposed.push(r));
        cleanup.track('b', (r) => void disposed.push(r));
      });
      p.producer('gen', () => [1]);
      p.consumer('sink', { onError: 'abort' }, () => {
        throw new Error('boom');
      });
    });
    const r = await p.run();
    expect(r.status).toBe('failed');
    expect(disposed).toEqual(['b', 'a']);
  });

  it('timingStats reports the run and stage lifetimes', async () => {
    const timing = timingStats({ stages: ['sink'] });
    const p = pipeline('timing', (p) => {
      p.use(timing.bundle);
      p.producer('gen', () => [1, 2, 3]);
      p.consumer('sink', async () => new Promise((r) => setTimeout(r, 10)));
    });
    await p.run();
    const report = timing.report();
    expect(report.durationMs).toBeGreaterThanOrEqual(20);
    expect(report.stages.sink?.durationMs).toBeGreaterThanOrEqual(20);
  });
});
