/**
 * The correctness side of the benches: every variant must compute the workload's expected sum. A wrong sum,
 * an exception or a failed Minigun run makes a bench exit with 1; slowness never does.
 */
import type { VariantResult, WorkloadResult } from './measure.js';

/** The `sum` cell of a variant's row: `ok`, `WRONG (got ≠ expected)` or `ERROR: message`. */
export function sumCell(v: VariantResult, expected: number): string {
  return v.error !== undefined ? `ERROR: ${v.error}` : v.correct ? 'ok' : `WRONG (${v.value} ≠ ${expected})`;
}

/** One line per variant that computed a wrong sum or threw: `workload / variant: what went wrong`. */
export function wrongSums(results: readonly WorkloadResult[]): string[] {
  return results.flatMap((w) => w.variants.filter((v) => !v.correct).map((v) => `${w.id} / ${v.name}: ${v.error ?? `sum ${v.value} ≠ ${w.expected}`}`));
}

/** The closing verdict on the sums, for the text output. */
export function sumsLine(wrong: readonly string[]): string {
  return wrong.length === 0 ? '\nAll variants computed the expected sums.' : `\nWRONG RESULTS:\n  ${wrong.join('\n  ')}`;
}
