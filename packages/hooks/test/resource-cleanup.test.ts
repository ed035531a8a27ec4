import { describe, expect, it } from 'vitest';
import { HookError, resourceCleanup } from '@minigun/hooks';
import { FakeTarget, fakeContext, sleep } from './fake-target';

function setup() {
  const cleanup = resourceCleanup();
  const target = new FakeTarget();
  cleanup.bundle.install(target);
  return { cleanup, target };
}

describe('resourceCleanup', () => {
  it('registers only afterRun', () => {
    const { cleanup, target } = setup();
    expect(cleanup.bundle.name).toBe('resourceCleanup');
    expect(target.registrations()).toEqual(['afterRun']);
  });

  it('returns the tracked resource and disposes everything LIFO in afterRun', async () => {
    const { cleanup, target } = setup();
    const disposed: string[] = [];
    const file = cleanup.track({ path: '/tmp/a' }, (r) => disposed.push(`file ${r.path}`));
    cleanup.track('socket', async (r) => {
      await sleep(5);
      disposed.push(r);
    });
    cleanup.track(3, (n) => disposed.push(`n${n}`));
    expect(file).toEqual({ path: '/tmp/a' });
    expect(cleanup.size).toBe(3);
    await target.fire('afterRun', undefined, fakeContext(), {});
    expect(disposed).toEqual(['n3', 'socket', 'file /tmp/a']);
    expect(cleanup.size).toBe(0);
  });

  it('disposes everything even when some disposals fail, then throws one AggregateError', async () => {
    const { cleanup } = setup();
    const disposed: string[] = [];
    const first = new Error('EBADF');
    cleanup.track('a', () => disposed.push('a'), 'first');
    cleanup.track(
      'b',
      () => {
        throw first;
      },
      'handle',
    );
    cleanup.track('c', () => disposed.push('c'));
    cleanup.track('d', () => Promise.reject('gone'));
    const error = await cleanup.disposeAll().catch((e: unknown) => e);
    expect(disposed).toEqual(['c', 'a']);
    expect(error).toBeInstanceOf(AggregateError);
    const aggregate = error as AggregateError;
    expect(aggregate.errors).toEqual(['gone', first]);
    expect(aggregate.message).toBe('resourceCleanup: 2 resources failed to dispose: "resource #4" (gone), "handle" (EBADF)');
    expect(cleanup.size).toBe(0);
  });

  it('surfaces the AggregateError as an afterRun hook error', async () => {
    const { cleanup, target } = setup();
    cleanup.track(
      'x',
      () => {
        throw new Error('stuck');
      },
      'lock',
    );
    const error = await target.fire('afterRun', undefined, fakeContext(), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect((error as HookError).cause).toBeInstanceOf(AggregateError);
    expect((error as HookError).message).toMatch(/afterRun hook of pipeline "test" failed: resourceCleanup: 1 resource failed to dispose: "lock" \(stuck\)/);
  });

  it('disposes resources tracked while disposing', async () => {
    const { cleanup } = setup();
    const disposed: string[] = [];
    cleanup.track('outer', () => {
      disposed.push('outer');
      cleanup.track('late', () => disposed.push('late'));
    });
    await cleanup.disposeAll();
    expect(disposed).toEqual(['outer', 'late']);
  });

  it('disposes each resource once, across repeated calls and runs', async () => {
    const { cleanup, target } = setup();
    let count = 0;
    cleanup.track('r', () => count++);
    await cleanup.disposeAll();
    await target.fire('afterRun', undefined, fakeContext(), {});
    expect(count).toBe(1);
    cleanup.track('r2', () => count++);
    await target.fire('afterRun', undefined, fakeContext(), {});
    expect(count).toBe(2);
  });

  it('rejects a dispose that is not a function, or a label that is not a string', () => {
    const { cleanup } = setup();
    expect(() => cleanup.track('r', undefined as unknown as () => void)).toThrow(/dispose must be a function/);
    expect(() => cleanup.track('r', () => undefined, 5 as unknown as string)).toThrow(/label must be a string/);
    expect(cleanup.size).toBe(0);
  });
});
