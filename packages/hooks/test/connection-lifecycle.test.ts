import { describe, expect, it } from 'vitest';
import { HookError, connectionLifecycle, timingStats } from '@minigun/hooks';
import type { ConnectionLifecycleOptions } from '@minigun/hooks';
import { FakeTarget, fakeContext, sleep } from './fake-target';

interface Conn {
  readonly id: number;
  closed: boolean;
}

/** A fake database: numbered connections and a log of what happened to them. */
function fakeDb() {
  let next = 0;
  const log: string[] = [];
  return {
    log,
    open: async (): Promise<Conn> => {
      await sleep(1);
      const conn = { id: ++next, closed: false };
      log.push(`open ${conn.id}`);
      return conn;
    },
    close: (conn: Conn): void => {
      if (conn.closed) throw new Error(`connection ${conn.id} closed twice`);
      conn.closed = true;
      log.push(`close ${conn.id}`);
    },
  };
}

function setup(options: Partial<ConnectionLifecycleOptions<Conn>> = {}) {
  const db = fakeDb();
  const connection = connectionLifecycle<Conn>({ open: db.open, close: db.close, ...options });
  const target = new FakeTarget();
  connection.bundle.install(target);
  return { db, connection, target };
}

describe('connectionLifecycle', () => {
  it('registers beforeRun, pipeline-wide fork hooks and afterRun', () => {
    const { connection, target } = setup({ name: 'db' });
    expect(connection.bundle.name).toBe('connectionLifecycle:db');
    expect(target.registrations()).toEqual(['beforeRun', 'beforeFork', 'afterFork', 'afterRun']);
  });

  it('opens in beforeRun, closes before a fork, and closes nothing twice in afterRun', async () => {
    const { db, connection, target } = setup();
    const ctx = fakeContext();
    expect(connection.isOpen()).toBe(false);
    await target.fire('beforeRun', undefined, ctx);
    const first = connection.get();
    expect(first.id).toBe(1);
    await target.fire('beforeFork', 'save', ctx, { stage: 'save' });
    expect(first.closed).toBe(true);
    expect(connection.isOpen()).toBe(false);
    expect(() => connection.get()).toThrow(/no connection is open in this isolate/);
    await target.fire('beforeFork', 'save', ctx, { stage: 'save' }); // a second fork: nothing left to close
    await target.fire('afterRun', undefined, ctx, {});
    expect(db.log).toEqual(['open 1', 'close 1']);
  });

  it('reopens inside the worker, whose instance is separate (the module is re-imported there)', async () => {
    const collected: Record<string, unknown[]> = {};
    const options = { name: 'db', record: true } as const;
    const parent = setup(options);
    const worker = setup(options); // what re-importing the pipeline module in a worker yields
    const parentCtx = fakeContext({ pid: 100 }, collected);
    const workerCtx = fakeContext({ pid: 200, workerId: 1, stage: 'save' }, collected);

    await parent.target.fire('beforeRun', undefined, parentCtx);
    await parent.target.fire('beforeFork', 'save', parentCtx, { stage: 'save' });
    expect(() => worker.connection.get()).toThrow(/no connection/);
    await worker.target.fire('afterFork', 'save', workerCtx, { stage: 'save', workerId: 1 });
    expect(worker.connection.get()).toMatchObject({ id: 1, closed: false });
    expect(parent.connection.isOpen()).toBe(false);
    await parent.target.fire('afterRun', undefined, parentCtx, {});

    expect(collected['connection:db']).toEqual([
      { event: 'open', pid: 100 },
      { event: 'close', pid: 100 },
      { event: 'reopen', pid: 200, workerId: 1 },
    ]);
  });

  it('replaces, on afterFork, a connection already open in that isolate', async () => {
    const { db, connection, target } = setup();
    await target.fire('beforeRun', undefined, fakeContext());
    await target.fire('afterFork', 's', fakeContext(), { stage: 's' });
    expect(connection.get().id).toBe(2);
    expect(db.log).toEqual(['open 1', 'close 1', 'open 2']);
  });

  it('collects nothing without record: true', async () => {
    const { target } = setup();
    const ctx = fakeContext();
    await target.fire('beforeRun', undefined, ctx);
    await target.fire('afterRun', undefined, ctx, {});
    expect(ctx.collected).toEqual({});
  });

  it('limits the fork hooks to the given stages', async () => {
    const { connection, target } = setup({ stages: ['save'] });
    expect(target.registrations()).toEqual(['beforeRun', 'beforeFork:save', 'afterFork:save', 'afterRun']);
    const ctx = fakeContext();
    await target.fire('beforeRun', undefined, ctx);
    await target.fire('beforeFork', 'transform', ctx, { stage: 'transform' });
    expect(connection.isOpen()).toBe(true);
    await target.fire('beforeFork', 'save', ctx, { stage: 'save' });
    expect(connection.isOpen()).toBe(false);
  });

  it('keeps the parent connection across forks with closeBeforeFork: false', async () => {
    const { db, connection, target } = setup({ closeBeforeFork: false });
    expect(target.registrations()).toEqual(['beforeRun', 'afterFork', 'afterRun']);
    await target.fire('beforeRun', undefined, fakeContext());
    await target.fire('beforeFork', 's', fakeContext(), { stage: 's' });
    expect(connection.get().closed).toBe(false);
    await target.fire('afterRun', undefined, fakeContext(), {});
    expect(db.log).toEqual(['open 1', 'close 1']);
  });

  it('get() fails with a code and the bundle name when nothing is open', () => {
    const { connection } = setup({ name: 'warehouse' });
    expect(() => connection.get()).toThrow(expect.objectContaining({ code: 'ERR_MINIGUN_NO_CONNECTION' }));
    expect(() => connection.get()).toThrow(/connectionLifecycle:warehouse: no connection is open.*acquire\(\)/);
  });

  it('acquire() reopens in the parent after a fork, sharing one open between concurrent callers', async () => {
    const { db, connection, target } = setup({ record: true });
    const ctx = fakeContext();
    await target.fire('beforeRun', undefined, ctx);
    expect(await connection.acquire()).toBe(connection.get()); // already open: same connection
    await target.fire('beforeFork', 's', ctx, { stage: 's' });
    const [a, b] = await Promise.all([connection.acquire(ctx), connection.acquire(ctx)]);
    expect(a).toBe(b);
    expect(a.id).toBe(2);
    await target.fire('afterRun', undefined, ctx, {});
    expect(db.log).toEqual(['open 1', 'close 1', 'open 2', 'close 2']);
    expect(ctx.collected['connection:default']).toEqual([
      { event: 'open', pid: 100 },
      { event: 'close', pid: 100 },
      { event: 'reopen', pid: 100 },
      { event: 'close', pid: 100 },
    ]);
  });

  it('closes a connection whose open was in flight when afterRun started', async () => {
    const { db, connection, target } = setup();
    const pending = connection.acquire();
    await target.fire('afterRun', undefined, fakeContext(), {});
    await pending;
    expect(db.log).toEqual(['open 1', 'close 1']);
    expect(connection.isOpen()).toBe(false);
  });

  it('treats a connection value of undefined as open', async () => {
    let closes = 0;
    const connection = connectionLifecycle<undefined>({ open: () => undefined, close: () => closes++ });
    const target = new FakeTarget();
    connection.bundle.install(target);
    await target.fire('beforeRun', undefined, fakeContext());
    expect(connection.isOpen()).toBe(true);
    expect(connection.get()).toBeUndefined();
    await target.fire('afterRun', undefined, fakeContext(), {});
    expect(closes).toBe(1);
  });

  it('fails beforeRun when open fails, and afterRun then has nothing to close', async () => {
    let closes = 0;
    let attempts = 0;
    const connection = connectionLifecycle({
      open: () => {
        attempts++;
        throw new Error('refused');
      },
      close: () => closes++,
    });
    const target = new FakeTarget();
    connection.bundle.install(target);
    const error = await target.fire('beforeRun', undefined, fakeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect((error as HookError).cause.message).toBe('refused');
    expect(connection.isOpen()).toBe(false);
    await target.fire('afterRun', undefined, fakeContext(), {});
    expect(closes).toBe(0);
    // A later open tries again rather than replaying the failed attempt.
    await expect(connection.acquire()).rejects.toThrow('refused');
    expect(attempts).toBe(2);
  });

  it('reports a failing close from afterRun and forgets the connection', async () => {
    const connection = connectionLifecycle({
      open: () => ({}),
      close: () => {
        throw new Error('close failed');
      },
    });
    const target = new FakeTarget();
    connection.bundle.install(target);
    await target.fire('beforeRun', undefined, fakeContext());
    await expect(target.fire('afterRun', undefined, fakeContext(), {})).rejects.toThrow(/afterRun hook .* failed: close failed/);
    expect(connection.isOpen()).toBe(false);
  });

  it('validates its options', () => {
    const close = (): void => undefined;
    expect(() => connectionLifecycle({ open: 'x' as unknown as () => number, close })).toThrow(/open must be a function/);
    expect(() => connectionLifecycle({ open: () => 1, close: undefined as unknown as () => void })).toThrow(/close must be a function/);
    expect(() => connectionLifecycle({ open: () => 1, close, stages: [] })).toThrow(/stages must be a non-empty array/);
    expect(() => connectionLifecycle({ open: () => 1, close, name: '' })).toThrow(/name must be a non-empty string/);
  });
});

describe('bundle options are checked when the bundle is made', () => {
  it('unknown options and wrong types are ERR_MINIGUN_INVALID_OPTION errors naming the option and the value', () => {
    const close = (): void => undefined;
    const attempt = (options: unknown): { code?: string; message: string } => {
      try {
        connectionLifecycle(options as never);
      } catch (e) {
        return e as { code?: string; message: string };
      }
      throw new Error('expected an error');
    };
    expect(attempt({ open: () => 1, close, recrd: true })).toMatchObject({
      code: 'ERR_MINIGUN_INVALID_OPTION',
      message: expect.stringContaining('unknown option "recrd"'),
    });
    expect(attempt({ open: () => 1, close, record: 'yes' }).message).toBe('connectionLifecycle(): option record must be true or false, got "yes".');
    expect(attempt({ open: () => 1, close, closeBeforeFork: 0 }).message).toContain('closeBeforeFork must be true or false, got 0');
    expect(attempt(null).message).toContain('expects an options object');
    expect(() => timingStats({ key: 'k', stage: ['a'] } as never)).toThrow(/timingStats\(\): unknown option "stage"/);
  });
});
