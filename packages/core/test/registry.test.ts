import { describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, Registry, defaultRegistry, pipeline, type Strategy } from '@minigun/core';
import { deferredPlugin, deferredStrategy } from './plugin-deferred';

const isolatedStrategy: Strategy = {
  name: 'isolated-test',
  isolated: true,
  createExecutor: deferredStrategy.createExecutor,
};

describe('Registry', () => {
  it('always has inline; defaultRegistry is a Registry', () => {
    expect(new Registry().strategies).toEqual(['inline']);
    expect(defaultRegistry).toBeInstanceOf(Registry);
    expect(defaultRegistry.strategy('inline')?.isolated).toBe(false);
    expect(new Registry().transports).toEqual(['channel']);
  });

  it('adds plugins; using one twice is a no-op; a clash from another plugin is an error', () => {
    const r = new Registry().use(deferredPlugin).use(deferredPlugin);
    expect(r.strategies).toEqual(['inline', 'deferred']);
    expect(r.plugins).toEqual(['deferred-plugin']);
    const clash = { name: 'other', strategies: [{ ...deferredStrategy }] };
    expect(() => r.use(clash)).toThrow(MinigunError);
    expect(() => r.use(clash)).toThrow(/already has from another plugin/);
  });

  it('refuses malformed plugins with a clear error', () => {
    const r = new Registry();
    expect(() => r.use(null as never)).toThrow(/expects a plugin object/);
    expect(() => r.use({ name: 'x', strategies: [{ name: 'y' } as never] })).toThrow(/malformed strategy/);
    expect(() => r.use({ name: 'x', transports: [{ name: 'channel', open: async () => ({}) } as never] })).toThrow(/reserved/);
  });
});

describe('validation before a run starts', () => {
  const events: string[] = [];
  const make = (strategy: string, extra: object = {}, module?: string) =>
    pipeline('validate', { module }, (p) => {
      p.beforeRun(() => void events.push('beforeRun'));
      p.producer('gen', () => {
        events.push('producer');
        return [1];
      });
      p.consumer('save', { strategy, ...extra }, () => undefined);
    });

  it('an unknown strategy of ours names the package to install, and starts nothing', async () => {
    events.length = 0;
    const err = await make('cow-fork')
      .run({ registry: new Registry() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MinigunError);
    expect((err as MinigunError).code).toBe(ErrorCodes.UNKNOWN_STRATEGY);
    expect((err as Error).message).toContain('@minigun/strategy-fork');
    expect((err as Error).message).toContain('"save"');
    expect((err as Error).message).toContain("import '@minigun/strategy-fork/register'");
    expect(events).toEqual([]);
  });

  it('names @minigun/strategy-thread for thread strategies', async () => {
    await expect(make('thread').run({ registry: new Registry() })).rejects.toThrow(/@minigun\/strategy-thread/);
    await expect(make('thread-per-batch').run({ registry: new Registry() })).rejects.toThrow(/@minigun\/strategy-thread/);
  });

  it('an unknown third-party strategy lists the registered ones', async () => {
    await expect(make('gpu').run({ registry: new Registry().use(deferredPlugin) })).rejects.toThrow(/Registered strategies: "inline", "deferred"/);
  });

  it('an unknown transport names its package', async () => {
    events.length = 0;
    const err = (await make('deferred', { transport: 'tempfile' })
      .run({ registry: new Registry().use(deferredPlugin) })
      .catch((e: unknown) => e)) as MinigunError;
    expect(err.code).toBe(ErrorCodes.UNKNOWN_TRANSPORT);
    expect(err.message).toContain('@minigun/ipc-tempfile');
    expect(events).toEqual([]);
  });

  it('an isolated stage without module fails before any stage starts, saying how to fix it', async () => {
    events.length = 0;
    const registry = new Registry().use({ name: 'iso', strategies: [isolatedStrategy] });
    const err = (await make('isolated-test')
      .run({ registry })
      .catch((e: unknown) => e)) as MinigunError;
    expect(err.code).toBe(ErrorCodes.MODULE_REQUIRED);
    expect(err.message).toContain('import.meta.url');
    expect(events).toEqual([]);
    const ok = await make('isolated-test', {}, import.meta.url).run({ registry });
    expect(ok.status).toBe('completed');
  });

  it('lets a strategy refuse a stage in validate()', async () => {
    const picky: Strategy = {
      ...deferredStrategy,
      name: 'picky',
      validate(stage) {
        if (stage.kind === 'consumer') throw new MinigunError(ErrorCodes.INVALID_OPTION, `picky cannot run consumer "${stage.stage}"`);
      },
    };
    await expect(make('picky').run({ registry: new Registry().use({ name: 'picky', strategies: [picky] }) })).rejects.toThrow(
      /picky cannot run consumer "save"/,
    );
  });

  it('runs stages of a registered plugin strategy through its executor, and closes it once', async () => {
    let closes = 0;
    const counting: Strategy = {
      name: 'counting',
      isolated: false,
      async createExecutor(host) {
        const inner = await deferredStrategy.createExecutor(host);
        return { ...inner, close: async (mode) => void (closes++, await inner.close(mode)) };
      },
    };
    const p = pipeline('via-executor', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('double', { strategy: 'counting', concurrency: 2 }, (n: number, out, ctx) => {
        ctx.collect('in', n);
        return n * 2;
      });
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r = await p.run({ registry: new Registry().use({ name: 'c', strategies: [counting] }) });
    expect(r.status).toBe('completed');
    expect([...(r.collected.out as number[])].sort()).toEqual([2, 4, 6]);
    expect(r.collected.in).toHaveLength(3);
    expect(closes).toBe(1);
    expect(r.stats.stages.double).toMatchObject({ strategy: 'counting', in: 3, done: 3, out: 3 });
  });

  it('host.upcoming(): queued inputs, and whether more may come along the edges (a hint for spares)', async () => {
    const seen: Array<{ input: number; queued: number; more: boolean }> = [];
    let atStart: { queued: number; more: boolean } | undefined;
    const observing: Strategy = {
      name: 'observing',
      isolated: false,
      async createExecutor(host) {
        atStart = host.upcoming();
        const inner = await deferredStrategy.createExecutor(host);
        return {
          ...inner,
          execute: async (attempt) => {
            // On the next turn, as a spare pool would ask: the producer has emitted what it had by then.
            await new Promise((r) => setImmediate(r));
            seen.push({ input: attempt.input as number, ...host.upcoming() });
            return inner.execute(attempt);
          },
        };
      },
    };
    const p = pipeline('upcoming', (p) => {
      p.producer('gen', async function* () {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 30));
          yield i;
        }
      });
      p.processor('double', (n: number) => n * 2);
      p.processor('watched', { strategy: 'observing', concurrency: 1 }, (n: number) => n);
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r = await p.run({ registry: new Registry().use({ name: 'o', strategies: [observing] }) });
    expect(r.status).toBe('completed');
    expect(atStart).toEqual({ queued: 0, more: true });
    // Inputs 0 and 2 (×2): while the producer still runs, more may come; after its last item, nothing queued and no more.
    expect(seen[0]).toEqual({ input: 0, queued: 0, more: true });
    expect(seen.at(-1)).toEqual({ input: 4, queued: 0, more: false });

    // A sync producer: its items are all queued at once behind concurrency 1, and it is done by the next turn.
    seen.length = 0;
    const burst = pipeline('upcoming-burst', (p) => {
      p.producer('gen', () => [1, 2, 3]);
      p.processor('watched', { strategy: 'observing', concurrency: 1 }, (n: number) => n);
      p.consumer('sink', (n: number, _o, ctx) => ctx.collect('out', n));
    });
    const r2 = await burst.run({ registry: new Registry().use({ name: 'o', strategies: [observing] }) });
    expect(r2.status).toBe('completed');
    expect(seen).toEqual([
      { input: 1, queued: 2, more: false },
      { input: 2, queued: 1, more: false },
      { input: 3, queued: 0, more: false },
    ]);
  });
});
