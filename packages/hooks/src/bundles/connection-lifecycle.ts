import { bundleOption, checkBundleOptions } from './bundle-options';
import { installForkHooks } from './fork-hooks';
import type { HookBundle, HookContext } from '../types';

export interface ConnectionLifecycleOptions<C> {
  /** Names the bundle and the collect key `connection:<name>`. Default `'default'`. */
  readonly name?: string;
  /** Opens a connection in the current isolate. */
  readonly open: () => C | Promise<C>;
  /** Closes a connection opened by `open`. */
  readonly close: (connection: C) => unknown;
  /** Limit the fork hooks to these stages; default: every isolated stage. */
  readonly stages?: readonly string[];
  /** Collect an event under `connection:<name>` for each open, close and reopen (from workers too). */
  readonly record?: boolean;
  /**
   * Close the parent's connection before each fork (default `true`, as the Ruby gem does). Node never
   * shares a socket with a worker, so `false` is safe and keeps the parent's connection for the whole run.
   */
  readonly closeBeforeFork?: boolean;
}

const OPTIONS = {
  name: bundleOption.name(),
  open: bundleOption.fn(),
  close: bundleOption.fn(),
  stages: bundleOption.stages(),
  record: bundleOption.flag(),
  closeBeforeFork: bundleOption.flag(),
};

/** What `record: true` collects. */
export interface ConnectionEvent {
  /** `'open'`: beforeRun in the parent; `'reopen'`: any later open (afterFork in a worker, `acquire`). */
  readonly event: 'open' | 'close' | 'reopen';
  readonly pid: number;
  readonly workerId?: number;
}

export interface ConnectionLifecycle<C> {
  readonly bundle: HookBundle;
  /** The connection open in this isolate; throws (`ERR_MINIGUN_NO_CONNECTION`) when there is none. */
  get(): C;
  /** The open connection, or a newly opened one (e.g. in the parent after a fork closed it). */
  acquire(ctx?: HookContext): Promise<C>;
  /** Whether a connection is open in this isolate. */
  isOpen(): boolean;
}

/**
 * Keeps one connection per isolate: opened in beforeRun (parent), closed in beforeFork (parent, so it is
 * never shared with a child), reopened in afterFork (inside the worker), closed in afterRun (parent).
 * A worker re-imports the pipeline module, so it holds its own instance of this object: that is why
 * afterFork reopens rather than reuses.
 */
export function connectionLifecycle<C>(options: ConnectionLifecycleOptions<C>): ConnectionLifecycle<C> {
  checkBundleOptions('connectionLifecycle()', options, OPTIONS, ['open', 'close']);
  const { name = 'default', open, close, record = false, closeBeforeFork = true } = options;
  const bundleName = `connectionLifecycle:${name}`;
  const stages = options.stages === undefined ? undefined : Object.freeze([...options.stages]);
  const key = `connection:${name}`;

  // Boxed so that a connection value of `undefined` still counts as open.
  let current: { readonly connection: C } | undefined;
  let opening: Promise<C> | undefined;

  const note = (ctx: HookContext | undefined, event: ConnectionEvent['event']): void => {
    if (!record || ctx === undefined) return;
    const value: ConnectionEvent = { event, pid: ctx.pid, ...(ctx.workerId === undefined ? {} : { workerId: ctx.workerId }) };
    ctx.collect(key, value);
  };

  const openNow = (ctx: HookContext | undefined, event: 'open' | 'reopen'): Promise<C> => {
    // Concurrent callers share one open instead of leaking a second connection.
    if (opening === undefined) {
      const pending = (async () => {
        const connection = await open();
        current = { connection };
        note(ctx, event);
        return connection;
      })();
      opening = pending;
      const settle = (): void => {
        if (opening === pending) opening = undefined;
      };
      pending.then(settle, settle);
    }
    return opening;
  };

  const closeNow = async (ctx: HookContext | undefined): Promise<void> => {
    if (opening) await opening.catch(() => undefined); // let an in-flight open land so it gets closed too
    const held = current;
    if (held === undefined) return;
    current = undefined; // before awaiting: a concurrent close must not close it twice
    await close(held.connection);
    note(ctx, 'close');
  };

  const bundle: HookBundle = {
    name: bundleName,
    install(target) {
      target.beforeRun(async (ctx) => {
        if (current === undefined) await openNow(ctx, 'open');
      });
      installForkHooks(target, stages, {
        beforeFork: closeBeforeFork ? (ctx) => closeNow(ctx) : undefined,
        afterFork: async (ctx) => {
          await closeNow(ctx); // never reuse a connection that may predate the fork
          await openNow(ctx, 'reopen');
        },
      });
      target.afterRun((ctx) => closeNow(ctx));
    },
  };

  return {
    bundle,
    get() {
      if (current === undefined) {
        const err = new Error(
          `${bundleName}: no connection is open in this isolate (pid ${process.pid}). It is opened by beforeRun ` +
            `in the parent and by afterFork in each isolated worker, and closed by beforeFork and afterRun; ` +
            `install the bundle with p.use(...) and call get() from a stage or a later hook, or use acquire().`,
        );
        throw Object.assign(err, { code: 'ERR_MINIGUN_NO_CONNECTION' as const });
      }
      return current.connection;
    },
    acquire(ctx) {
      return current === undefined ? openNow(ctx, 'reopen') : Promise.resolve(current.connection);
    },
    isOpen() {
      return current !== undefined;
    },
  };
}
