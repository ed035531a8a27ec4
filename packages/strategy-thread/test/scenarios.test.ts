/**
 * Reference scenarios with thread stages (ports of the Ruby gem's examples): strategy per stage, nested contexts,
 * dynamic routing across contexts.
 */
import { threadId as parentThreadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { crossContext, nestedContexts, strategyPerStage, type Trace } from './fixtures/scenarios.ts';
import { expectAccounting, registry, sorted } from './util.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const traces = (values: unknown[] | undefined, stage: string): Trace[] => ((values ?? []) as Trace[]).filter((t) => t.stage === stage);

describe('reference scenarios', () => {
  it('strategy per stage: inline producer → thread processor → batch → thread-per-batch consumer, every item exactly once', async () => {
    const r = await strategyPerStage.run({ state: { count: 12 }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const saved = r.collected.saved as number[][];
    expect(saved).toHaveLength(3);
    for (const b of saved) expect(b.length).toBeLessThanOrEqual(4);
    expect(saved.flat().sort((a, b) => a - b)).toEqual(range(12).map((n) => n * 2));
    const strategies = Object.fromEntries(Object.entries(r.stats.stages).map(([k, s]) => [k, s.strategy]));
    expect(strategies).toMatchObject({ generate: 'inline', double: 'thread', save: 'thread-per-batch' });
    const double = traces(r.collected.trace, 'double');
    expect(double).toHaveLength(12);
    expect(double.every((t) => t.threadId !== parentThreadId)).toBe(true);
    expect(new Set(double.map((t) => t.threadId)).size).toBeLessThanOrEqual(2);
    const save = traces(r.collected.trace, 'save');
    expect(save).toHaveLength(3);
    expect(new Set(save.map((t) => t.threadId)).size).toBe(3); // a fresh worker per batch
    expect(save.every((t) => t.threadId !== parentThreadId && !double.some((d) => d.threadId === t.threadId))).toBe(true);
    expectAccounting(r);
  });

  it('nested contexts: threads → batch (inline) → thread-per-batch → back to inline', async () => {
    const r = await nestedContexts.run({ state: { count: 10 }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const stages = r.stats.stages;
    expect(stages.square!.strategy).toBe('thread');
    expect(stages.square!.concurrency).toBe(2);
    expect(stages.negate!.strategy).toBe('thread');
    expect(stages.negate!.concurrency).toBe(1); // stage options win over the context
    const batch = Object.values(stages).find((s) => s.kind === 'accumulator')!;
    expect(batch.strategy).toBe('inline');
    expect(stages.sum!.strategy).toBe('thread-per-batch');
    expect(stages.collect!.strategy).toBe('inline');
    // Sums of two batches of 5 negated squares: every item exactly once.
    const sums = sorted(r.collected.sums);
    expect(sums).toHaveLength(2);
    expect(sums.reduce((a, b) => a + b, 0)).toBe(-range(10).reduce((a, n) => a + n * n, 0));
    for (const stage of ['square', 'negate', 'sum']) {
      const t = traces(r.collected.trace, stage);
      expect(t.length, stage).toBeGreaterThan(0);
      expect(
        t.every((x) => x.threadId !== parentThreadId),
        `${stage} ran in worker threads`,
      ).toBe(true);
    }
    expect(traces(r.collected.trace, 'collect').every((x) => x.threadId === parentThreadId)).toBe(true);
    expect(traces(r.collected.trace, 'square')).toHaveLength(10);
    expectAccounting(r);
  });

  it('emit to a stage across contexts: out.to("inlineSink") from a thread stage reaches the inline stage', async () => {
    const r = await crossContext.run({ state: { count: 10 }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const even = r.collected.even as Array<{ n: number; from: number }>;
    expect(even.map((e) => e.n).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8]);
    expect(even.every((e) => e.from !== parentThreadId)).toBe(true); // sent from a worker
    expect(sorted(r.collected.odd)).toEqual([1, 3, 5, 7, 9]);
    expect(traces(r.collected.trace, 'inlineSink').every((t) => t.threadId === parentThreadId)).toBe(true);
    expect(traces(r.collected.trace, 'router').every((t) => t.threadId !== parentThreadId)).toBe(true);
    expectAccounting(r);
  });
});
