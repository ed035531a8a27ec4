import { describe, expect, it } from 'vitest';
import { pipeline } from '@minigun/core';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('RunResult.stats', () => {
  it('reconciles counts per stage and names the slow stage as the bottleneck', async () => {
    const p = pipeline('stats', (p) => {
      p.producer('gen', () => Array.from({ length: 40 }, (_, i) => i));
      p.processor('fast', (n: number) => n);
      p.processor('evens', (n: number) => (n % 2 === 0 ? n : undefined));
      p.consumer('slow', async () => sleep(5));
    });
    const r = await p.run();
    const s = r.stats.stages;
    expect(Object.keys(s)).toEqual(['gen', 'fast', 'evens', 'slow']);
    expect(s.gen).toMatchObject({ kind: 'producer', in: 1, done: 1, out: 40 });
    expect(s.fast).toMatchObject({ in: 40, done: 40, out: 40, failed: 0, cancelled: 0, filtered: 0 });
    expect(s.evens).toMatchObject({ in: 40, done: 40, out: 20, filtered: 20 });
    expect(s.slow).toMatchObject({ in: 20, done: 20, out: 0, filtered: 0, active: 0 });
    expect(r.stats.bottleneck).toBe('slow');
    expect(s.slow!.latency.p50).toBeGreaterThanOrEqual(4);
    expect(s.slow!.latency.p99).toBeGreaterThanOrEqual(s.slow!.latency.p50);
    expect(s.slow!.latency.samples).toBeGreaterThan(0);
    expect(s.slow!.throughput).toBeGreaterThan(0);
    expect(s.slow!.throughput).toBeLessThan(1000); // 5 ms per item, one slot
    expect(s.slow!.queue.capacity).toBe(1000);
    expect(r.durationMs).toBeGreaterThanOrEqual(90);
    expect(r.stats.elapsedMs).toBeGreaterThan(0);
  });

  it('reports p95, successRate and time per item per stage', async () => {
    const p = pipeline('stats-more', (p) => {
      p.producer('gen', () => Array.from({ length: 20 }, (_, i) => i));
      p.processor('work', async (n: number) => {
        await sleep(n < 18 ? 2 : 30);
        if (n % 5 === 4) throw new Error('every fifth fails');
        return n;
      });
      p.consumer('sink', () => undefined);
    });
    const r = await p.run();
    const work = r.stats.stages.work!;
    expect(work).toMatchObject({ done: 16, failed: 4, successRate: 0.8 });
    const { p50, p90, p95, p99 } = work.latency;
    expect(p50).toBeLessThanOrEqual(p90);
    expect(p90).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
    expect(p95).toBeGreaterThanOrEqual(25); // the two slow inputs are the top 10 %
    expect(work.timePerItemMs).toBeGreaterThan(p50);
    expect(work.timePerItemMs).toBeLessThan(p99);
    expect(r.stats.stages.sink!.successRate).toBe(1);
    const gen = r.stats.stages.gen!;
    expect(gen.timePerItemMs).toBeGreaterThan(0);
  });

  it('successRate is 1 while nothing has finished', async () => {
    const p = pipeline('stats-empty', (p) => {
      p.producer('gen', () => []);
      p.consumer('sink', () => undefined);
    });
    const r = await p.run();
    expect(r.stats.stages.sink).toMatchObject({ in: 0, successRate: 1, timePerItemMs: 0 });
  });

  it('is plain data that survives JSON', async () => {
    const p = pipeline('json', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('sink', () => undefined);
    });
    const r = await p.run();
    expect(JSON.parse(JSON.stringify(r.stats))).toEqual(r.stats);
  });
});
