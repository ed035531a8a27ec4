import { createRequire } from 'node:module';
import { HookError } from './hook-error';
import type { HookDefinition, HookErrorPolicy, HookRecord, HookWhere } from './types';

export interface RunHooksOptions {
  /** `'throw'`: stop at the first failure and reject with its HookError. `'collect'`: run all, return failures. */
  readonly policy: HookErrorPolicy;
  /** Which isolate runs the hooks; defaults to this process and thread. */
  readonly where?: HookWhere;
  /**
   * The stage the point runs for. Labels the records and errors of pipeline-level hooks, which carry no
   * stage of their own (e.g. a pipeline-wide `afterFork` running for stage "save").
   */
  readonly stage?: string;
  /** Called with each record as soon as its hook settles, before the next hook starts. */
  readonly onRecord?: (record: HookRecord) => void;
}

export interface RunHooksResult {
  /** One record per hook call, in execution order. */
  readonly records: readonly HookRecord[];
  /** The failures (policy `'collect'`); each is also the `error` of its record. */
  readonly errors: readonly HookError[];
}

// Frozen because it is shared by every call that has no hook to run (the common case).
const EMPTY_RESULT: RunHooksResult = Object.freeze({
  records: Object.freeze([]) as readonly HookRecord[],
  errors: Object.freeze([]) as readonly HookError[],
});

let here: HookWhere | undefined;

/**
 * This process and thread, for hooks run without a `where`. Built on first use: importing
 * `node:worker_threads` up front would add to the start-up of every child process (which always passes `where`).
 */
function currentWhere(): HookWhere {
  here ??= Object.freeze({
    pid: process.pid,
    threadId: (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).threadId,
  });
  return here;
}

type CallableHook = (...args: readonly unknown[]) => unknown;

/**
 * Runs `hooks` one after the other in the given order (see `HookSet.list`), awaiting each; sync hooks
 * work too. Every call yields a `HookRecord`; a throw or rejection becomes a `HookError`.
 */
export async function runHooks(hooks: readonly HookDefinition[], args: readonly unknown[], options: RunHooksOptions): Promise<RunHooksResult> {
  if (hooks.length === 0) return EMPTY_RESULT;
  const { policy, stage, onRecord } = options;
  const where = options.where ?? currentWhere();
  if (policy !== 'throw' && policy !== 'collect') {
    throw new TypeError(`runHooks: policy must be 'throw' or 'collect', got ${String(policy)}`);
  }
  const records: HookRecord[] = [];
  const errors: HookError[] = [];
  for (const def of hooks) {
    const startedAt = performance.timeOrigin + performance.now();
    const t0 = performance.now();
    let error: HookError | undefined;
    try {
      const returned = (def.fn as CallableHook)(...args);
      // Only await thenables: a sync hook then costs no extra microtask.
      if (isThenable(returned)) await returned;
    } catch (thrown) {
      error = new HookError({ point: def.point, level: def.level, origin: def.origin, stage: def.stage ?? stage }, thrown);
    }
    const label = def.stage ?? stage;
    const record: HookRecord = {
      point: def.point,
      ...(label === undefined ? {} : { stage: label }),
      level: def.level,
      origin: def.origin,
      where,
      startedAt,
      durationMs: Math.max(0, performance.now() - t0),
      ...(error === undefined ? {} : { error }),
    };
    records.push(record);
    onRecord?.(record);
    if (error !== undefined) {
      if (policy === 'throw') throw error;
      errors.push(error);
    }
  }
  return { records, errors };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
