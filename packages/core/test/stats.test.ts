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

  it('is plain data that survives JSON', async () => {
    const p = pipeline('json', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('sink', () => undefined);
    });
    const r = await p.run();
    expect(JSON.parse(JSON.stringify(r.stats))).toEqual(r.stats);
  });
});
