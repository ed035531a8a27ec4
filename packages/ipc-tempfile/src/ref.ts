/**
 * A ref says where a committed attempt's records are: a private file with its byte range and how many refs
 * point into that file (the parent removes it after the last one), or the shared file with the ranges of
 * the attempt's batches. Refs cross from worker to parent as short JSON strings, and the parent opens and
 * removes the file a ref names: it accepts only names that the worker half creates, in the run directory.
 */
import { ErrorCodes, MinigunError } from '@minigun/core';

export type Ref =
  | { readonly f: string; readonly s: number; readonly e: number; readonly n: number }
  | { readonly f: string; readonly r: ReadonlyArray<readonly [number, number]> };

/** An attempt that committed without writing a record. */
export const EMPTY_REF = '{}';

/** The one file of a stage whose workers all append to it (`shared: true`). */
export const SHARED_FILE = 'shared.rec';

/** A private file: unique by worker, process, thread and a sequence number starting at 1. */
export function privateFileName(workerId: number, pid: number, threadId: number, seq: number): string {
  return `w${workerId}-${pid}-${threadId}-${seq}.rec`;
}

const PRIVATE_FILE = /^w\d+-\d+-\d+-[1-9]\d*\.rec$/;

export function formatRef(ref: Ref): string {
  return JSON.stringify(ref);
}

/**
 * Parses a ref from a worker of a session with the given layout: undefined for `EMPTY_REF`, and an error for
 * anything a worker half would not have written (another file name, `.`, `..`, a path, an empty or reversed
 * range, a ref of the other layout).
 */
export function parseRef(text: string, layout: 'private' | 'shared', where: { readonly pipeline: string; readonly stage: string }): Ref | undefined {
  const bad = (): MinigunError =>
    new MinigunError(
      ErrorCodes.TRANSPORT,
      `The tempfile transport of stage "${where.stage}" (pipeline "${where.pipeline}") got a ref that its workers do not write: ${String(text).slice(0, 200)}. ` +
        `A ${layout} ref names ${layout === 'shared' ? SHARED_FILE : 'a file w<worker>-<pid>-<thread>-<n>.rec'} of the run's directory and non-empty byte ranges; its records are not read.`,
      where,
    );
  let ref: unknown;
  try {
    ref = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) throw bad();
  const r = ref as Record<string, unknown>;
  const keys = Object.keys(r).sort().join(',');
  if (keys === '') return undefined;
  const offset = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const range = (start: unknown, end: unknown): boolean => offset(start) && offset(end) && start < end;
  if (layout === 'shared') {
    const ranges = r.r;
    const ok =
      keys === 'f,r' &&
      r.f === SHARED_FILE &&
      Array.isArray(ranges) &&
      ranges.length > 0 &&
      ranges.every((x: unknown) => Array.isArray(x) && x.length === 2 && range(x[0], x[1]));
    if (!ok) throw bad();
    return ref as Ref;
  }
  const ok = keys === 'e,f,n,s' && typeof r.f === 'string' && PRIVATE_FILE.test(r.f) && range(r.s, r.e) && Number.isSafeInteger(r.n) && (r.n as number) >= 1;
  if (!ok) throw bad();
  return ref as Ref;
}
