import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';
import { flakyPipelines, payloadPipelines, staleLockPipelines, unserialisablePipelines, type StrategyName } from './fixtures/pipelines.mjs';
import { codeOf, expectNothingLeft, itemErrors, range, registry, root, scratch, sorted } from './util';

afterEach(expectNothingLeft);

const STRATEGIES: StrategyName[] = ['cow-fork', 'ipc-fork', 'thread', 'thread-per-batch'];
const LAYOUTS = [
  ['private files', {}],
  ['shared file', { shared: true }],
  // Every record is its own frame, appended under its own lock: a collect (not awaited by the stage) may still
  // be appending when the attempt commits.
  ['shared file, a frame per record', { shared: true, batchBytes: 1 }],
] as const;

describe.each(STRATEGIES)('%s over tempfile', (strategy) => {
  for (const [layout, options] of LAYOUTS) {
    it(`brings large records back intact through files (${layout})`, async () => {
      const dir = root();
      const r = await payloadPipelines[strategy].run({ registry: registry({ dir, ...options }), state: { count: 12, per: 3, bytes: 256 << 10, root: dir } });
      expect(r.status).toBe('completed');
      const got = r.collected.got as Array<{ n: number; k: number; intact: boolean }>;
      expect(got.map((g) => g.n * 3 + g.k).sort((a, b) => a - b)).toEqual(range(36));
      expect(got.every((g) => g.intact)).toBe(true);
      // While records were delivered, they were on disk in the run's directory.
      expect((r.collected.seen as number[]).every((n) => n === 1)).toBe(true);
      expect(r.stats.stages.work!.out).toBe(36);
      assertAccounting(r);
    }, 60_000);

    it(`delivers nothing of a failed attempt, only its retry (${layout})`, async () => {
      const dir = root();
      const markers = scratch();
      const r = await flakyPipelines[strategy].run({ registry: registry({ dir, ...options }), state: { count: 10, dir: markers } });
      expect(r.status).toBe('completed');
      const got = r.collected.got as Array<{ n: number; attempt: string }>;
      expect(got.every((g) => g.attempt === 'ok')).toBe(true);
      expect(sorted(got.map((g) => g.n))).toEqual(range(10));
      expect(r.collected['failed-collect']).toBeUndefined();
      expect(sorted(r.collected['ok-collect'])).toEqual(range(10));
      expect(r.stats.stages.work!.retried).toBe(10);
      expect(r.errors).toEqual([]);
      assertAccounting(r);
    }, 60_000);
  }

  it('fails an attempt whose record the format cannot carry, naming the stage and the value path (v8)', async () => {
    const dir = root();
    const r = await unserialisablePipelines[strategy].run({ registry: registry({ dir }), state: { count: 4, value: 'function' } });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.got)).toEqual([0, 2, 3]);
    const [e] = itemErrors(r);
    expect(codeOf(e!)).toBe(ErrorCodes.UNCLONEABLE);
    expect(e!.stage).toBe('work');
    expect(e!.message).toContain('meta.fn');
    assertAccounting(r);
  }, 60_000);

  it('fails an attempt whose record JSON cannot carry, naming the stage and the value path (json)', async () => {
    const dir = root();
    const r = await unserialisablePipelines[strategy].run({ registry: registry({ dir, format: 'json' }), state: { count: 4, value: 'bigint' } });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.got)).toEqual([0, 2, 3]);
    const [e] = itemErrors(r);
    expect(codeOf(e!)).toBe(ErrorCodes.UNCLONEABLE);
    expect(e!.message).toMatch(/Stage "work".*meta\.big is bigint/);
    assertAccounting(r);
  }, 60_000);
});

describe('faults', () => {
  for (const strategy of ['cow-fork', 'ipc-fork'] as const) {
    for (const [layout, options] of LAYOUTS) {
      it(`${strategy}: a child SIGKILLed in the middle of writing its records: retried, nothing duplicated (${layout})`, async () => {
        const dir = root();
        const markers = scratch();
        const r = await flakyPipelines[strategy].run({ registry: registry({ dir, ...options }), state: { count: 8, dir: markers, killOn: 3 } });
        expect(r.status).toBe('completed');
        const got = r.collected.got as Array<{ n: number; attempt: string }>;
        expect(got.every((g) => g.attempt === 'ok')).toBe(true);
        expect(sorted(got.map((g) => g.n))).toEqual(range(8));
        expect(r.collected['failed-collect']).toBeUndefined();
        expect(r.errors).toEqual([]);
        assertAccounting(r);
      }, 60_000);
    }
  }

  for (const strategy of ['cow-fork', 'ipc-fork'] as const) {
    it(`${strategy}: a stale lock left by a killed writer on the shared file is taken over within the stale time`, async () => {
      const dir = root();
      const locker = fileURLToPath(new URL('./fixtures/locker.mjs', import.meta.url));
      const r = await staleLockPipelines[strategy].run({ registry: registry({ dir, shared: true, staleMs: 2000 }), state: { count: 6, root: dir, locker } });
      expect(r.status).toBe('completed');
      expect(r.collected.locked).toEqual([true]);
      expect(sorted(r.collected.got)).toEqual(range(6).map((n) => n * 2));
      expect(r.errors).toEqual([]);
      // The writers waited for the dead writer's lock to go stale (2 s after it was taken) rather than failing.
      const waited = Math.min(...(r.collected.gotAt as number[])) - (r.collected.lockedAt as number[])[0]!;
      expect(waited).toBeGreaterThan(1000);
      expect(waited).toBeLessThan(20_000);
    }, 60_000);
  }

  it('an unwritable directory: the run fails before any input, with an error naming the path', async () => {
    const r = await payloadPipelines['cow-fork'].run({
      registry: registry({ dir: '/proc/minigun-unwritable' }),
      state: { count: 3, per: 1, bytes: 10, root: '/tmp' },
    });
    expect(r.status).toBe('failed');
    const [e] = r.errors;
    expect(codeOf(e!)).toBe(ErrorCodes.TRANSPORT);
    expect(e!.message).toContain('/proc/minigun-unwritable');
    expect(e!.message).toContain('stage "work"');
    expect(r.stats.stages.work!.in).toBe(0);
  });
});
