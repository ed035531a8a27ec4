/**
 * Custom stages (p.stage) in worker threads, through the public API with real threads: each reader runs in
 * its own worker (after its afterFork) and keeps its memory across its input stream; a worker that exits
 * mid-stream fails the item its reader held (named, with the exit code), the other reader takes over what
 * the dead one had not read, and no worker is left behind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { topPerBatch, topThread } from './fixtures/custom.ts';
import { cleanupDirs, expectAccounting, itemErrors, registry, settledWorkerHandles, liveWorkerHandles, sorted } from './util.ts';

afterAll(cleanupDirs);

type Reader = { threadId: number; read: number; warm: boolean };

for (const [name, p] of [
  ['thread', topThread],
  ['thread-per-batch', topPerBatch],
] as const) {
  describe(`${name}: a custom stage`, () => {
    it('runs each reader in its own worker thread, which keeps its memory across the input stream', async () => {
      const baseline = liveWorkerHandles();
      const r = await p.run({ state: { count: 50 }, registry: registry() });
      expect(r.status).toBe('completed');
      const readers = r.collected.reader as Reader[];
      expect(readers).toHaveLength(2);
      expect(readers.every((x) => x.threadId !== 0 && x.warm)).toBe(true);
      expect(new Set(readers.map((x) => x.threadId)).size).toBe(2);
      expect(readers[0]!.read + readers[1]!.read).toBe(50);
      // Each reader's three largest: 49 is among them whichever reader read it.
      expect(sorted(r.collected.out)).toHaveLength(6);
      expect(r.collected.out).toContain(49);
      expect(r.stats.stages.top).toMatchObject({ in: 50, done: 50, failed: 0, out: 6 });
      expectAccounting(r);
      expect(await settledWorkerHandles(baseline)).toBeLessThanOrEqual(baseline);
    });

    it('a worker that exits mid-stream fails the item its reader held, with the exit code; the other reader reads the rest', async () => {
      const r = await p.run({ state: { count: 40, exitOn: 10 }, registry: registry() });
      expect(r.status).toBe('completed');
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(errors[0]!).toMatchObject({ stage: 'top', input: 10 });
      expect((errors[0]!.error as { code?: string }).code).toBe(ErrorCodes.WORKER_DIED);
      expect(errors[0]!.message).toContain('"top"');
      expect(errors[0]!.message).toMatch(/code 9/);
      const readers = r.collected.reader as Reader[];
      expect(readers).toHaveLength(1);
      // Everything but the held item was read by someone: the dead reader's unread items went to the other.
      expect(r.stats.stages.top).toMatchObject({ in: 40, done: 39, failed: 1 });
      expectAccounting(r);
    });
  });
}
