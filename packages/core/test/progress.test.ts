import { describe, expect, it } from 'vitest';
import { ErrorCodes, pipeline, type ProgressEvent } from '@minigun/core';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('run({ progress })', () => {
  it('sends live events with rates, the announced total, an ETA, and one final event', async () => {
    const events: ProgressEvent[] = [];
    const p = pipeline('progress-events', (p) => {
      p.producer('gen', async (out) => {
        out.total(30);
        for (let i = 0; i < 30; i++) await out.emit(i);
      });
      p.consumer('slow', { concurrency: 2 }, async () => sleep(8));
    });
    const r = await p.run({ progress: (e) => events.push(e), progressIntervalMs: 25 });
    expect(r.status).toBe('completed');
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.final)).toHaveLength(1);
    const last = events[events.length - 1]!;
    expect(last).toMatchObject({ final: true, pipeline: 'progress-events', pid: process.pid, produced: 30, total: 30, etaMs: 0 });
    expect(last.stages.gen).toMatchObject({ kind: 'producer', total: 30, out: 30 });
    expect(last.stages.slow!.done).toBe(30);
    const live = events.find((e) => !e.final && e.produced < 30 && e.produced > 0);
    if (live !== undefined) expect(live.etaMs).toBeGreaterThan(0);
    expect(events.some((e) => e.stages.slow!.rate > 0)).toBe(true);
    for (const e of events) expect(e.stages.slow!.active).toBeLessThanOrEqual(2);
    expect(r.stats.stages.gen!.total).toBe(30);
  });

  it('has no total or ETA when a producer announced none', async () => {
    const events: ProgressEvent[] = [];
    const p = pipeline('progress-no-total', (p) => {
      p.producer('a', (out) => {
        out.total(3);
        return [1, 2, 3];
      });
      p.producer('b', () => [4]);
      p.consumer('c', () => undefined);
    });
    await p.run({ progress: (e) => events.push(e), progressIntervalMs: 1000 });
    expect(events).toHaveLength(1); // only the final one: the run is faster than the interval
    expect(events[0]!.total).toBeUndefined();
    expect(events[0]!.etaMs).toBeUndefined();
    expect(events[0]!.produced).toBe(4);
  });

  it('records a throwing callback and goes on', async () => {
    const p = pipeline('progress-throws', (p) => {
      p.producer('gen', () => [1]);
    });
    const r = await p.run({
      progress: () => {
        throw new Error('display broke');
      },
    });
    expect(r.status).toBe('completed');
    expect(r.errors).toMatchObject([{ kind: 'hook', hook: 'progress', message: 'display broke' }]);
  });

  it('rejects a bad out.total and a bad interval', async () => {
    const p = pipeline('progress-bad-total', (p) => {
      p.producer('gen', (out) => out.total(-1));
    });
    const r = await p.run();
    expect(r.errors[0]).toMatchObject({ stage: 'gen', error: { code: ErrorCodes.INVALID_OPTION } });
    expect(r.errors[0]!.message).toContain('out.total(-1)');
    await expect(p.run({ progressIntervalMs: 0 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });
});

describe('run({ handleSignals: true }) as a library', () => {
  it('leaves the process signal handlers exactly as it found them', async () => {
    const mine = (): void => undefined;
    process.on('SIGINT', mine);
    const before = { int: process.listeners('SIGINT'), term: process.listeners('SIGTERM') };
    let during = 0;
    const p = pipeline('signals-restored', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('c', () => void (during = process.listenerCount('SIGINT')));
    });
    try {
      await p.run({ handleSignals: true });
      expect(during).toBe(before.int.length + 1);
      expect(process.listeners('SIGINT')).toEqual(before.int);
      expect(process.listeners('SIGTERM')).toEqual(before.term);
    } finally {
      process.off('SIGINT', mine);
    }
  });
});
