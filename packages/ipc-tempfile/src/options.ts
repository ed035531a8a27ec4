/**
 * The options of `tempfileTransport()`, checked once when the transport is created, and the settings the
 * parent hands to the worker half (`SessionConfig`, structured-cloned into every worker).
 */
import { ErrorCodes, MinigunError } from '@minigun/core';

export type RecordFormat = 'v8' | 'json';

export interface TempfileOptions {
  /**
   * Where the private per-run directories are created. Default: `os.tmpdir()`. Point it at a disk with room
   * for the largest outputs that are in flight at once (records are removed as soon as they are read).
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
   * is blocked) is taken over. Minimum 2000 (proper-lockfile's floor). Default 10000.
   */
  readonly staleMs?: number;
  /**
   * Bytes of records a worker gathers before it writes them (private files) or takes the lock and appends them
   * (shared file). Default 1 MiB for shared files, 64 KiB for private ones.
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

export function resolveOptions(options: TempfileOptions = {}): ResolvedOptions {
  const bad = (name: string, value: unknown, expected: string): MinigunError =>
    new MinigunError(ErrorCodes.INVALID_OPTION, `tempfileTransport(): option "${name}" must be ${expected}, got ${JSON.stringify(value) ?? String(value)}.`);
  if (options === null || typeof options !== 'object') throw bad('options', options, 'an object');
  const known = new Set(['dir', 'format', 'shared', 'staleMs', 'batchBytes']);
  for (const key of Object.keys(options))
    if (!known.has(key)) throw bad(key, (options as Record<string, unknown>)[key], `one of the known options (${[...known].join(', ')}), not an unknown one`);
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) throw bad('dir', options.dir, 'a directory path');
  if (options.format !== undefined && options.format !== 'v8' && options.format !== 'json') throw bad('format', options.format, `'v8' or 'json'`);
  if (options.shared !== undefined && typeof options.shared !== 'boolean') throw bad('shared', options.shared, 'a boolean');
  if (options.staleMs !== undefined && (!Number.isInteger(options.staleMs) || options.staleMs < 2000))
    throw bad('staleMs', options.staleMs, 'an integer of at least 2000 (ms)');
  if (options.batchBytes !== undefined && (!Number.isInteger(options.batchBytes) || options.batchBytes < 1))
    throw bad('batchBytes', options.batchBytes, 'a positive integer (bytes)');
  const shared = options.shared ?? false;
  return {
    dir: options.dir,
    format: options.format ?? 'v8',
    shared,
    staleMs: options.staleMs ?? 10_000,
    batchBytes: options.batchBytes ?? (shared ? 1 << 20 : 64 << 10),
  };
}
