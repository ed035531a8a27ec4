/**
 * The options of `tempfileTransport()`, checked once when the transport is created, and the settings the
 * parent hands to the worker half (`SessionConfig`, structured-cloned into every worker).
 */
import { resolve } from 'node:path';
import { ErrorCodes, MinigunError } from '@minigun/core';

export type RecordFormat = 'v8' | 'json';

export interface TempfileOptions {
  /**
   * Where the private per-run directories are created. Default: `os.tmpdir()`. Point it at a disk with room
   * for the largest outputs that are in flight at once (records are removed as soon as they are read). A
   * relative path is resolved against the current directory when `tempfileTransport()` is called.
   */
  readonly dir?: string;
  /**
   * How records are serialised. `'v8'` (default): `v8.serialize`, the structured-clone algorithm, so every
   * value the channel carries (Dates, Maps, typed arrays, …). `'json'`: JSON, for records that other tools
   * read; values JSON cannot carry unchanged (bigint, undefined, functions, Maps, NaN, …) fail the attempt
   * with their path.
   */
  readonly format?: RecordFormat;
  /**
   * `false` (default): each worker writes its own files, so no lock is needed. `true`: every worker of the
   * stage appends to one shared file, serialised by proper-lockfile with one lock per batch of records
   * (fewer files; costs a lock round-trip per batch, and failed attempts leave dead space until the run ends).
   */
  readonly shared?: boolean;
  /**
   * Shared file only: a lock whose holder stopped updating it for this long (it was killed, or its event loop
   * is blocked) is taken over. An integer from 2000 (proper-lockfile's floor) to 600000. Default 10000.
   */
  readonly staleMs?: number;
  /**
   * Bytes of records a worker gathers before it writes them (private files) or takes the lock and appends them
   * (shared file); a batch also ends at 1024 records. An integer from 1 to 2^30 (1 GiB). Default 1 MiB for
   * shared files, 64 KiB for private ones.
   */
  readonly batchBytes?: number;
}

/** What the worker half is told (structured-cloneable). */
export interface SessionConfig {
  readonly dir: string;
  readonly format: RecordFormat;
  readonly batchBytes: number;
  /** Present when all workers append to one file under a lock. */
  readonly shared?: { readonly file: string; readonly staleMs: number };
}

export interface ResolvedOptions {
  readonly dir?: string;
  readonly format: RecordFormat;
  readonly shared: boolean;
  readonly staleMs: number;
  readonly batchBytes: number;
}

/**
 * The accepted range of `staleMs`: proper-lockfile's floor, and a bound past which a dead writer's lock would
 * block the stage for too long (and the retry schedule of every lock, which spans twice the stale time, grows
 * with it).
 */
const STALE_MS = { min: 2000, max: 600_000 } as const;
/** The accepted range of `batchBytes`: the parent holds one batch at a time, and a frame's length must fit in 32 bits. */
const BATCH_BYTES = { min: 1, max: 1 << 30 } as const;

const KNOWN = ['dir', 'format', 'shared', 'staleMs', 'batchBytes'] as const;

/** Checks every option once (each is read once) and fills in the defaults. */
export function resolveOptions(options: TempfileOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new MinigunError(ErrorCodes.INVALID_OPTION, `tempfileTransport(): the options must be an object (or left out); got ${describe(options)}.`);
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if ((KNOWN as readonly string[]).includes(key)) continue;
    throw new MinigunError(
      ErrorCodes.INVALID_OPTION,
      `tempfileTransport(): unknown option "${key}" (got ${describe(given[key])}); the options are ${KNOWN.join(', ')}.`,
    );
  }
  const { dir, format, shared, staleMs, batchBytes } = given;
  if (dir !== undefined && (typeof dir !== 'string' || dir === '' || dir.includes('\0'))) throw invalid('dir', dir, 'a directory path (a non-empty string)');
  if (format !== undefined && format !== 'v8' && format !== 'json') throw invalid('format', format, `'v8' or 'json'`);
  if (shared !== undefined && typeof shared !== 'boolean') throw invalid('shared', shared, 'true or false');
  if (staleMs !== undefined && !integerIn(staleMs, STALE_MS)) throw invalid('staleMs', staleMs, `an integer from ${STALE_MS.min} to ${STALE_MS.max} (ms)`);
  if (batchBytes !== undefined && !integerIn(batchBytes, BATCH_BYTES))
    throw invalid('batchBytes', batchBytes, `an integer from ${BATCH_BYTES.min} to ${BATCH_BYTES.max} (1 GiB)`);
  return {
    // Resolved now: a relative path means the current directory of the call, not of each later run.
    dir: dir === undefined ? undefined : resolve(dir as string),
    format: (format as RecordFormat | undefined) ?? 'v8',
    shared: shared === true,
    staleMs: (staleMs as number | undefined) ?? 10_000,
    batchBytes: (batchBytes as number | undefined) ?? (shared === true ? 1 << 20 : 64 << 10),
  };
}

function integerIn(value: unknown, range: { readonly min: number; readonly max: number }): boolean {
  return Number.isInteger(value) && (value as number) >= range.min && (value as number) <= range.max;
}

function invalid(name: string, value: unknown, expected: string): MinigunError {
  return new MinigunError(ErrorCodes.INVALID_OPTION, `tempfileTransport(): option "${name}" must be ${expected}; got ${describe(value)}.`);
}

/** A value as the user wrote it: NaN, Infinity and -0 stay themselves (JSON would print null or 0). */
function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
    default:
      return String(value);
  }
}
