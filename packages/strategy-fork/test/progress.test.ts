import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@minigun/core';
import { slowCow, slowIpc } from './fixtures/lifecycle.mjs';
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
