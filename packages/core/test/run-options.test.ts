/** Options of run() that set timers: refused when a timer cannot honour them. */
import { describe, expect, it } from 'vitest';
import { pipeline } from '@minigun/core';

describe('run() timing options', () => {
  const p = pipeline('timing-options', (q) => {
    q.producer('gen', () => [1]);
    q.consumer('sink', () => undefined);
  });

  it('refuses graceMs and progressIntervalMs that a timer cannot honour (NaN, negative, above 2^31 - 1)', async () => {
    for (const graceMs of [Number.NaN, -1, 2 ** 31])
      await expect(p.run({ graceMs })).rejects.toThrow(/graceMs must be a number of milliseconds from 0 to 2147483647/);
    for (const progressIntervalMs of [0, Number.NaN, 2 ** 31, Infinity])
      await expect(p.run({ progressIntervalMs, progress: () => undefined })).rejects.toThrow(/progressIntervalMs must be/);
  });

  it('graceMs: Infinity waits for in-flight inputs however long they take (it is not a timer that fires at once)', async () => {
    const controller = new AbortController();
    const q = pipeline('grace-infinity', (b) => {
      b.producer('gen', () => [1]);
      b.consumer('sink', async (_n, _out, ctx) => {
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 300));
        ctx.collect('finished', true);
      });
    });
    const r = await q.run({ signal: controller.signal, graceMs: Infinity });
    expect(r.status).toBe('cancelled');
    expect(r.collected.finished).toEqual([true]);
    expect(r.stats.stages.sink).toMatchObject({ done: 1, cancelled: 0 });
  });
});
