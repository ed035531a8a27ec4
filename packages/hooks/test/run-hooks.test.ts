import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { HookError, HookSet, runHooks } from '@minigun/hooks';
import type { HookDefinition, HookFn, HookRecord } from '@minigun/hooks';
import { sleep } from './fake-target';

function hooks(...fns: HookFn[]): HookDefinition[] {
  const set = new HookSet();
  for (const fn of fns) set.add({ point: 'afterRun', level: 'pipeline', origin: 'etl', depth: 0, fn });
  return set.list('afterRun');
}

describe('runHooks', () => {
  it('returns one shared frozen result when there is nothing to run', async () => {
    const a = await runHooks([], [], { policy: 'throw' });
    const b = await runHooks([], [], { policy: 'collect' });
    expect(a).toBe(b);
    expect(a.records).toEqual([]);
    expect(a.errors).toEqual([]);
    expect(Object.isFrozen(a) && Object.isFrozen(a.records) && Object.isFrozen(a.errors)).toBe(true);
  });

  it('runs hooks one after the other in the given order, awaiting async ones', async () => {
    const log: string[] = [];
    await runHooks(
      hooks(
        async () => {
          log.push('a:start');
          await sleep(15);
          log.push('a:end');
        },
        () => {
          log.push('b');
        },
        async () => {
          await Promise.resolve();
          log.push('c');
        },
      ),
      [],
      { policy: 'throw' },
    );
    expect(log).toEqual(['a:start', 'a:end', 'b', 'c']);
  });

  it('passes the arguments to every hook', async () => {
    const seen: unknown[][] = [];
    const record = (...args: unknown[]): void => {
      seen.push(args);
    };
    await runHooks(hooks(record, record), ['ctx', { stage: 's' }], { policy: 'collect' });
    expect(seen).toEqual([
      ['ctx', { stage: 's' }],
      ['ctx', { stage: 's' }],
    ]);
  });

  it('awaits a thenable returned by a sync function', async () => {
    const log: string[] = [];
    const thenable = {
      then(resolve: () => void) {
        setTimeout(() => {
          log.push('thenable');
          resolve();
        }, 5);
      },
    };
    await runHooks(
      hooks(
        () => thenable,
        () => log.push('next'),
      ),
      [],
      { policy: 'throw' },
    );
    expect(log).toEqual(['thenable', 'next']);
  });

  describe("policy 'collect'", () => {
    it('runs every hook and returns each failure as a HookError', async () => {
      const ran: string[] = [];
      const sync = new Error('sync');
      const rejected = new Error('async');
      const { records, errors } = await runHooks(
        hooks(
          () => {
            ran.push('1');
            throw sync;
          },
          async () => {
            ran.push('2');
            throw rejected;
          },
          () => {
            ran.push('3');
            throw 'a string';
          },
          () => {
            ran.push('4');
            return Promise.reject(17);
          },
          () => {
            ran.push('5');
          },
        ),
        [],
        { policy: 'collect' },
      );
      expect(ran).toEqual(['1', '2', '3', '4', '5']);
      expect(errors).toHaveLength(4);
      expect(errors.every((e) => e instanceof HookError)).toBe(true);
      expect(errors[0].cause).toBe(sync);
      expect(errors[1].cause).toBe(rejected);
      expect(errors[2].cause).toBeInstanceOf(Error);
      expect(errors[2].cause.message).toBe('a string');
      expect(errors[3].cause.message).toBe('non-Error value thrown: 17');
      expect(errors[3].cause.cause).toBe(17);
      expect(records.map((r) => r.error)).toEqual([errors[0], errors[1], errors[2], errors[3], undefined]);
      expect('error' in records[4]).toBe(false);
    });
  });

  describe("policy 'throw'", () => {
    it('stops at the first failure and rejects with its HookError', async () => {
      const ran: string[] = [];
      const records: HookRecord[] = [];
      const cause = new Error('boom');
      const run = runHooks(
        hooks(
          () => ran.push('ok'),
          async () => {
            ran.push('fails');
            throw cause;
          },
          () => ran.push('never'),
        ),
        [],
        { policy: 'throw', onRecord: (r) => records.push(r) },
      );
      const error = await run.then(
        () => expect.unreachable('should reject'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HookError);
      expect((error as HookError).cause).toBe(cause);
      expect((error as HookError).message).toBe('afterRun hook of pipeline "etl" failed: boom');
      expect(ran).toEqual(['ok', 'fails']);
      expect(records).toHaveLength(2);
      expect(records[1].error).toBe(error);
      expect(records[0].error).toBeUndefined();
    });

    it('wraps a non-Error rejection too', async () => {
      await expect(
        runHooks(
          hooks(() => Promise.reject(undefined)),
          [],
          { policy: 'throw' },
        ),
      ).rejects.toMatchObject({
        code: 'ERR_MINIGUN_HOOK',
        cause: { message: 'non-Error value thrown: undefined' },
      });
    });
  });

  describe('records', () => {
    it('default to this process and thread, and time each hook', async () => {
      const before = performance.timeOrigin + performance.now();
      const { records } = await runHooks(
        hooks(
          () => sleep(20),
          () => undefined,
        ),
        [],
        { policy: 'collect' },
      );
      const after = performance.timeOrigin + performance.now();
      expect(records).toHaveLength(2);
      for (const r of records) {
        expect(r.where).toEqual({ pid: process.pid, threadId });
        expect(r.startedAt).toBeGreaterThanOrEqual(before);
        expect(r.startedAt).toBeLessThanOrEqual(after);
        expect(r.durationMs).toBeGreaterThanOrEqual(0);
        expect(r).toMatchObject({ point: 'afterRun', level: 'pipeline', origin: 'etl' });
      }
      // Timers may fire a little early; well above the ~0 of a sync hook is enough.
      expect(records[0].durationMs).toBeGreaterThanOrEqual(15);
      expect(records[1].startedAt).toBeGreaterThanOrEqual(records[0].startedAt + records[0].durationMs - 1);
    });

    it('use the given where', async () => {
      const where = { pid: 4242, threadId: 7, workerId: 3 };
      const { records } = await runHooks(
        hooks(() => undefined),
        [],
        { policy: 'collect', where },
      );
      expect(records[0].where).toEqual(where);
    });

    it('are labelled with the stage the point runs for, unless the hook has its own', async () => {
      const set = new HookSet();
      set.add({ point: 'afterFork', level: 'pipeline', origin: 'etl', depth: 0, fn: () => Promise.reject(new Error('x')) });
      set.add({ point: 'afterFork', stage: 'save', level: 'stage', origin: 'etl', depth: 0, fn: () => undefined });
      const { records, errors } = await runHooks(set.list('afterFork', 'save'), [], { policy: 'collect', stage: 'save' });
      expect(records.map((r) => r.stage)).toEqual(['save', 'save']);
      expect(errors[0].stage).toBe('save');
      expect(errors[0].message).toBe('afterFork hook for stage "save" of pipeline "etl" failed: x');
      const unlabelled = await runHooks(set.list('afterFork'), [], { policy: 'collect' });
      expect('stage' in unlabelled.records[0]).toBe(false);
    });

    it('reach onRecord before the next hook starts', async () => {
      const log: string[] = [];
      await runHooks(
        hooks(
          () => log.push('first'),
          () => log.push('second'),
        ),
        [],
        {
          policy: 'collect',
          onRecord: () => log.push('record'),
        },
      );
      expect(log).toEqual(['first', 'record', 'second', 'record']);
    });
  });

  it('rejects an unknown policy', async () => {
    await expect(
      runHooks(
        hooks(() => undefined),
        [],
        { policy: 'ignore' as 'throw' },
      ),
    ).rejects.toThrow(TypeError);
  });
});
