/**
 * Every error Minigun raises is a `MinigunError` with a stable `code`, so callers can branch on the code
 * rather than on message text. Messages say what went wrong, where, and what to do.
 */
export const ErrorCodes = {
  /** A stage or pipeline name that is not a non-empty string, or contains `/`. */
  INVALID_NAME: 'ERR_MINIGUN_INVALID_NAME',
  /** A stage option with a wrong type or value (e.g. `concurrency: 0`). */
  INVALID_OPTION: 'ERR_MINIGUN_INVALID_OPTION',
  /** Two stages with the same name in one pipeline (also when `extend` redefines a parent stage). */
  DUPLICATE_STAGE: 'ERR_MINIGUN_DUPLICATE_STAGE',
  /** `to`, `from`, `reroute`, a hook or `out.to()` names a stage the pipeline does not have. */
  UNKNOWN_STAGE: 'ERR_MINIGUN_UNKNOWN_STAGE',
  /** The explicit edges form a cycle; the message shows the path. */
  CYCLE: 'ERR_MINIGUN_CYCLE',
  /** An edge or `out.to()` targets a producer (producers never receive). */
  INVALID_ROUTE: 'ERR_MINIGUN_INVALID_ROUTE',
  /** A stage's strategy is not in the run's registry; the message names the package to install. */
  UNKNOWN_STRATEGY: 'ERR_MINIGUN_UNKNOWN_STRATEGY',
  /** A stage's transport is not in the run's registry. */
  UNKNOWN_TRANSPORT: 'ERR_MINIGUN_UNKNOWN_TRANSPORT',
  /** A stage runs in an isolated strategy but the pipeline has no `module` option. */
  MODULE_REQUIRED: 'ERR_MINIGUN_MODULE_REQUIRED',
  /** A plugin or strategy registered twice under one name, or a malformed plugin. */
  INVALID_PLUGIN: 'ERR_MINIGUN_INVALID_PLUGIN',
  /** `out.emit` called after the run was cancelled or aborted (producers stop on it). */
  CANCELLED: 'ERR_MINIGUN_CANCELLED',
  /** An item was routed to a custom stage whose input stream had already ended. */
  STAGE_CLOSED: 'ERR_MINIGUN_STAGE_CLOSED',
  /** An internal fault of the runner or a strategy. */
  RUN_FAILED: 'ERR_MINIGUN_RUN_FAILED',
  /** A value (state, input, emitted item, collected value) that cannot cross into or out of an isolated worker. */
  UNCLONEABLE: 'ERR_MINIGUN_UNCLONEABLE',
  /** A worker could not find the pipeline or stage in the pipeline module, or could not import it. */
  WORKER_SETUP: 'ERR_MINIGUN_WORKER_SETUP',
  /** A TypeScript pipeline module with no TypeScript loader available in the worker. */
  TS_LOADER: 'ERR_MINIGUN_TS_LOADER',
  /** An isolated worker died (exit, crash, out of memory) while it held inputs. */
  WORKER_DIED: 'ERR_MINIGUN_WORKER_DIED',
  /**
   * A transport could not do its job: open its files, write a record (disk full, unwritable directory,
   * lock compromised), or read one back (missing or corrupt file). The message names the path.
   */
  TRANSPORT: 'ERR_MINIGUN_TRANSPORT',
  /** `run()` called inside an isolated worker (a module imported by a worker must not start a run). */
  RUN_IN_WORKER: 'ERR_MINIGUN_RUN_IN_WORKER',
  /** Redis (for the bullmq strategy) cannot be reached, was lost mid-run, or is set up unsafely (evicts keys). */
  REDIS: 'ERR_MINIGUN_REDIS',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface MinigunErrorDetails {
  pipeline?: string;
  stage?: string;
  cause?: unknown;
}

export class MinigunError extends Error {
  readonly code: ErrorCode;
  readonly pipeline?: string;
  readonly stage?: string;

  constructor(code: ErrorCode, message: string, details: MinigunErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MinigunError';
    this.code = code;
    if (details.pipeline !== undefined) this.pipeline = details.pipeline;
    if (details.stage !== undefined) this.stage = details.stage;
  }
}

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  const err = new Error(typeof value === 'string' ? value : `Non-error value thrown: ${safeString(value)}`);
  (err as Error & { thrown?: unknown }).thrown = value;
  return err;
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Describes a list of names for error messages: `"a", "b", "c"`. */
export function listNames(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? '(none)' : all.map((n) => `"${n}"`).join(', ');
}
