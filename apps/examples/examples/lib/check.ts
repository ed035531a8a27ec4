/**
 * The examples' self-check: each example states what it shows with `expect(condition, what)`, then calls
 * `done(title)`, which prints every check and sets a non-zero exit code when one failed.
 * (Not an example itself: the runner skips lib/.)
 */
const checks: Array<{ ok: boolean; what: string }> = [];

/** Records one check; `what` says what the example shows (printed either way). */
export function expect(ok: boolean, what: string): void {
  checks.push({ ok, what });
}

/** Prints the checks; a failed check (or none at all) makes the process exit with code 1. */
export function done(title: string): void {
  const failed = checks.filter((c) => !c.ok);
  for (const c of checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}`);
  if (checks.length === 0) console.log('  FAIL no check ran');
  console.log(failed.length === 0 && checks.length > 0 ? `PASS ${title}` : `FAIL ${title}: ${failed.length} of ${checks.length} checks failed`);
  if (failed.length > 0 || checks.length === 0) process.exitCode = 1;
}

/** Distinct values, sorted. */
export const distinct = <T>(values: readonly T[]): T[] => [...new Set(values)].sort();

/** Numbers sorted ascending (a copy). */
export const sortedNumbers = (values: readonly unknown[]): number[] => (values as number[]).slice().sort((a, b) => a - b);

/** from..to inclusive. */
export const span = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
