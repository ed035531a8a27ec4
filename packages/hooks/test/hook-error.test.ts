import { describe, expect, it } from 'vitest';
import { HookError } from '@minigun/hooks';

describe('HookError', () => {
  it('names the point and pipeline of a pipeline-level hook', () => {
    const cause = new Error('db down');
    const error = new HookError({ point: 'beforeRun', level: 'pipeline', origin: 'etl' }, cause);
    expect(error.message).toBe('beforeRun hook of pipeline "etl" failed: db down');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'HookError', code: 'ERR_MINIGUN_HOOK', point: 'beforeRun', level: 'pipeline', origin: 'etl' });
    expect(error.stage).toBeUndefined();
  });

  it('names the stage when there is one', () => {
    const error = new HookError({ point: 'afterFork', level: 'stage', origin: 'etl', stage: 'save' }, new Error('no socket'));
    expect(error.message).toBe('afterFork hook for stage "save" of pipeline "etl" failed: no socket');
    expect(error.stage).toBe('save');
    expect(error.level).toBe('stage');
  });

  it('keeps the original error, with its stack, as cause', () => {
    const cause = new RangeError('out of range');
    const error = new HookError({ point: 'after', level: 'inline', origin: 'etl', stage: 's' }, cause);
    expect(error.cause).toBe(cause);
    expect(error.cause.stack).toContain('out of range');
    expect(error.stack).toContain('HookError');
  });

  it('wraps a non-Error cause and keeps the thrown value', () => {
    const error = new HookError({ point: 'onError', level: 'pipeline', origin: 'etl' }, { reason: 42 });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause.message).toBe('non-Error value thrown: {"reason":42}');
    expect(error.cause.cause).toEqual({ reason: 42 });
    expect(error.message).toBe('onError hook of pipeline "etl" failed: non-Error value thrown: {"reason":42}');
  });

  it('uses a thrown string as the message', () => {
    const error = new HookError({ point: 'beforeFork', level: 'pipeline', origin: 'etl' }, 'plain string');
    expect(error.cause.message).toBe('plain string');
  });

  it('describes values that cannot be stringified', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = new HookError({ point: 'afterRun', level: 'pipeline', origin: 'etl' }, cyclic);
    expect(error.cause.message).toBe('non-Error value thrown: [object Object]');
    const bare = new HookError({ point: 'afterRun', level: 'pipeline', origin: 'etl' }, Object.create(null) as object);
    expect(bare.cause.message).toMatch(/^non-Error value thrown: /);
  });
});
