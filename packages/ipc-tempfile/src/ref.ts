/**
 * A ref says where a committed attempt's records are: a private file with its byte range and how many refs
 * point into that file (the parent removes it after the last one), or the shared file with the ranges of
 * the attempt's batches. Refs cross from worker to parent as short JSON strings.
 */
import { ErrorCodes, MinigunError } from '@minigun/core';

export type Ref =
  | { readonly f: string; readonly s: number; readonly e: number; readonly n: number }
  | { readonly f: string; readonly r: ReadonlyArray<readonly [number, number]> };

/** An attempt that committed without writing a record. */
export const EMPTY_REF = '{}';

export function formatRef(ref: Ref): string {
  return JSON.stringify(ref);
}

/** Parses a ref from a worker; anything else (a file outside the run directory, say) is refused. */
export function parseRef(text: string): Ref | undefined {
  const bad = (): MinigunError => new MinigunError(ErrorCodes.TRANSPORT, `The tempfile transport got a malformed ref from a worker: ${text.slice(0, 200)}`);
  let ref: unknown;
  try {
    ref = JSON.parse(text);
  } catch {
    throw bad();
  }
  if (ref === null || typeof ref !== 'object') throw bad();
  const r = ref as Record<string, unknown>;
  if (r.f === undefined) return undefined;
  if (typeof r.f !== 'string' || !/^[\w.-]+$/.test(r.f)) throw bad();
  const int = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if ('r' in r) {
    if (!Array.isArray(r.r) || !r.r.every((x) => Array.isArray(x) && x.length === 2 && int(x[0]) && int(x[1]) && x[0] <= x[1])) throw bad();
    return ref as Ref;
  }
  if (!int(r.s) || !int(r.e) || !int(r.n) || (r.s as number) > (r.e as number)) throw bad();
  return ref as Ref;
}
