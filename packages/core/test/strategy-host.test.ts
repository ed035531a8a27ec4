/**
 * What the runner offers a strategy's executor (StrategyHost), used through the public plugin contract.
 */
import { describe, expect, it } from 'vitest';
import { Registry, pipeline, type Strategy } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';

describe('StrategyHost.reportError', () => {
  it('records a fault outside any input as kind "run" with the stage, tells onError, and the run goes on', async () => {
    const strategy: Strategy = {
      name: 'reporting',
      isolated: false,
      createExecutor: (host) => ({
        execute: async (a) => {
          if (a.input === 2) host.reportError(new Error('worker 3 died while idle'));
          return [{ kind: 'emit', item: a.input }];
        },
        close: async () => undefined,
      }),
    };
    const seen: Array<{ message: string; stage?: string }> = [];
    const p = pipeline('host-report', (q) => {
      q.producer('gen', () => [1, 2, 3]);
      q.processor('work', { strategy: 'reporting' }, () => undefined);
      q.consumer('sink', (n: number, _out, ctx) => ctx.collect('out', n));
      q.onError((error, info) => void seen.push({ message: error.message, stage: info.stage }));
    });
    const r = await p.run({ registry: new Registry().use({ name: 'reporting', strategies: [strategy] }) });
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([1, 2, 3]);
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'run', stage: 'work', message: 'worker 3 died while idle' })]);
    expect(seen).toEqual([{ message: 'worker 3 died while idle', stage: 'work' }]);
    expect(r.stats.stages.work).toMatchObject({ done: 3, failed: 0 });
    assertAccounting(r);
  });
});

describe('an executor that takes a while to create', () => {
  it('a run cancelled meanwhile counts its producer as cancelled, and the accounting holds', async () => {
    const strategy: Strategy = {
      name: 'slow-to-open',
      isolated: false,
      // Like a strategy that connects to a server first: the signal aborts before any stage starts.
      createExecutor: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { execute: async (a) => [{ kind: 'emit' as const, item: a.input }], close: async () => undefined };
      },
    };
    const p = pipeline('slow-open', (q) => {
      q.producer('gen', () => [1, 2, 3]);
      q.processor('work', { strategy: 'slow-to-open' }, (n: number) => n);
      q.consumer('sink', (n: number, _out, ctx) => ctx.collect('out', n));
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const r = await p.run({ signal: controller.signal, registry: new Registry().use({ name: 'slow', strategies: [strategy] }) });
    expect(r.status).toBe('cancelled');
    expect(r.stats.stages.gen!.cancelled).toBe(1);
    expect(r.stats.stages.gen!.in).toBe(1);
    expect(r.collected.out).toBeUndefined();
    assertAccounting(r);
  });
});
