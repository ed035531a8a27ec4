/**
 * perWorker: a worker thread runs several inputs of an async stage function at once; each input is still
 * its own attempt, delivered all or nothing.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, Registry, pipeline } from '@minigun/core';
import { threadPerBatchStrategy, threadStrategies } from '@minigun/strategy-thread';
import { overlapping, type Overlap } from './fixtures/per-worker.ts';
import { sorted } from './util.ts';

const expected = sorted(Array.from({ length: 12 }, (_, i) => i).flatMap((n) => (n === 5 ? [] : [n * 10, n * 10 + 1])));

describe('perWorker (thread)', () => {
  it('perWorker 4: one thread runs up to 4 inputs at once; a failed input delivers none of its emits', async () => {
    const r = await overlapping.run({ registry: new Registry().use(threadStrategies({ perWorker: 4, maxChunk: 1 })) });
    expect(r.status).toBe('completed');
    const overlap = r.collected.overlap as Overlap[];
    expect(new Set(overlap.map((o) => o.threadId)).size).toBe(1);
    const most = Math.max(...overlap.map((o) => o.active));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    expect(sorted(r.collected.out)).toEqual(expected);
    expect(r.errors.map((e) => e.message)).toEqual(['input 5 fails after emitting']);
    expect(r.stats.stages.io!.done).toBe(11);
    expect(r.stats.stages.io!.failed).toBe(1);
  });

  it('with chunking (the default maxChunk) too', async () => {
    const r = await overlapping.run({ registry: new Registry().use(threadStrategies({ perWorker: 3 })) });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual(expected);
    expect(Math.max(...(r.collected.overlap as Overlap[]).map((o) => o.active))).toBeLessThanOrEqual(3 * 64);
  });

  it('default (perWorker 1): a thread runs one input at a time', async () => {
    const r = await overlapping.run({ registry: new Registry().use(threadStrategies({ maxChunk: 1 })) });
    expect(Math.max(...(r.collected.overlap as Overlap[]).map((o) => o.active))).toBe(1);
    expect(sorted(r.collected.out)).toEqual(expected);
  });

  it('validates the option, and refuses it with a transport', () => {
    for (const bad of [0, 1.5, 1001, '2']) {
      expect(() => threadStrategies({ perWorker: bad as never })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    }
    expect(() => threadPerBatchStrategy({ perWorker: 2 } as never)).toThrow(/perWorker/);
    const withTransport = pipeline('per-worker-transport', { module: import.meta.url }, (p) => {
      p.producer('gen', () => [1]);
      p.processor('io', { strategy: 'thread', transport: 'tempfile' }, (n: number) => n);
    });
    const registry = new Registry().use(threadStrategies({ perWorker: 2 })).use({
      name: 'fake-tempfile',
      transports: [{ name: 'tempfile', workerModule: 'x', open: () => ({ config: {}, read: async () => [], close: async () => undefined }) as never }],
    });
    expect(() => withTransport.validateFor(registry)).toThrow(/perWorker 2 and transport "tempfile"/);
  });
});
