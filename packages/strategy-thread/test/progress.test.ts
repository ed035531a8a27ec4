import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@minigun/core';
import { sleepy } from './fixtures/pipelines.ts';
import { registry } from './util.ts';

describe("progress events list the stage's threads (StageExecutor.workers)", () => {
  it('thread: worker ids, thread ids and busy flags while inputs run', async () => {
    const events: ProgressEvent[] = [];
    const r = await sleepy.run({ registry: registry(), state: { count: 8 }, progressIntervalMs: 40, progress: (e) => void events.push(e) });
    expect(r.status).toBe('completed');
    const threads = new Set(r.collected.threads as number[]);
    const seen = events.flatMap((e) => e.stages.work?.workers ?? []);
    expect(seen.length).toBeGreaterThan(0);
    for (const w of seen) {
      expect(w.pid).toBe(process.pid);
      expect(threads.has(w.threadId!)).toBe(true);
      expect(w.id).toBeGreaterThan(0);
    }
    expect(seen.some((w) => w.busy)).toBe(true);
    // Between chunks a worker is idle: the flag is not stuck at busy.
    const last = events.at(-1)!.stages.work?.workers ?? [];
    expect(last.every((w) => !w.busy)).toBe(true);
  }, 30_000);
});
