import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@minigun/core';
import { ErrorCodes } from '@minigun/core';
import { announcingCow, announcingIpc, slowCow, slowIpc } from './fixtures/lifecycle.mjs';
import { cleanupDirs, registry, tempDir } from './util';

afterAll(cleanupDirs);

describe("progress events list the stage's child processes (StageExecutor.workers)", () => {
  for (const [name, p] of [
    ['cow-fork', slowCow],
    ['ipc-fork', slowIpc],
  ] as const) {
    it(`${name}: busy children with their pids while inputs run`, async () => {
      const events: ProgressEvent[] = [];
      const r = await p.run({
        registry: registry(),
        state: { dir: tempDir(), count: 4, ms: 400 },
        progressIntervalMs: 50,
        progress: (e) => void events.push(e),
      });
      expect(r.status).toBe('completed');
      const forked = new Set((r.collected.forked as Array<{ pid: number }>).map((f) => f.pid));
      const seen = events.flatMap((e) => e.stages.work?.workers ?? []);
      expect(seen.length).toBeGreaterThan(0);
      for (const w of seen) {
        expect(w.pid).not.toBe(process.pid);
        expect(forked.has(w.pid!)).toBe(true);
        expect(w.id).toBeGreaterThan(0);
      }
      expect(seen.some((w) => w.busy)).toBe(true);
    }, 30_000);
  }
});

describe('out.total() called in a child reaches progress', () => {
  for (const [name, p] of [
    ['cow-fork', announcingCow],
    ['ipc-fork', announcingIpc],
  ] as const) {
    it(`${name} producer and ipc-fork processor: totals and an ETA in the events`, async () => {
      const events: ProgressEvent[] = [];
      const r = await p.run({ registry: registry(), state: { count: 12, ms: 40 }, progressIntervalMs: 50, progress: (e) => void events.push(e) });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect((r.collected.out as number[]).length).toBe(24);
      const last = events.at(-1)!;
      expect(last.final).toBe(true);
      expect(last.total).toBe(12);
      expect(last.stages.gen?.total).toBe(12);
      expect(last.stages.work?.total).toBe(24);
      // While the producer was still running, events knew the total, and estimated the time left from its rate.
      expect(events.some((e) => !e.final && e.total === 12 && e.produced < 12)).toBe(true);
      expect(events.some((e) => !e.final && e.etaMs !== undefined)).toBe(true);
    }, 30_000);
  }

  it('an invalid total in a child fails the input that announced it, naming the stage', async () => {
    const r = await announcingIpc.run({ registry: registry(), state: { count: 3, ms: 0, badTotal: -1 } });
    expect(r.status).toBe('completed');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ stage: 'work', input: 0 });
    expect((r.errors[0]!.error as Error & { code?: string }).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(r.errors[0]!.message).toContain('called out.total(-1)');
    expect((r.collected.out as number[]).sort()).toEqual([1, 1, 2, 2]);
  });
});
