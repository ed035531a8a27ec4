/**
 * Memory of a persistent worker's handle must not grow with the number of inputs it has served: an ipc-fork
 * child that returns 20,000 results of 8 KB must not make the parent keep them (160 MB) until it exits.
 */
import { describe, expect, it } from 'vitest';
import { bigResults } from './fixtures/memory.mjs';
import { expectAccounting, registry } from './util.ts';

describe('ipc-fork parent memory', () => {
  it('stays flat while one child serves 20,000 inputs of 8 KB results', async () => {
    const state = { count: 20_000, size: 8192, sampleEvery: 2000, received: 0 };
    const r = await bigResults.run({ state, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(r.stats.stages.sink!.done).toBe(20_000);
    expectAccounting(r);
    const heap = r.collected.heap as Array<{ at: number; used: number }>;
    expect(heap).toHaveLength(10);
    // From the 2,000th to the 18,000th result: 16,000 results (131 MB) were received meanwhile; what the
    // queues hold is bounded (queueSize 1000 of 8 KB), so growth must stay far below that.
    const growth = heap[8]!.used - heap[0]!.used;
    expect(growth, `heap grew ${(growth / 1e6).toFixed(1)} MB`).toBeLessThan(40e6);
  }, 120_000);
});
