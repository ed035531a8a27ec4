/** Targets of the benches: a figure of one variant compared with a threshold, printed as PASS/FAIL only. */

/** The variant called `variant` in the workload with id `workload`, if that workload ran. */
export function findVariant<V extends { readonly name: string }>(
  results: readonly { readonly id: string; readonly variants: readonly V[] }[],
  workload: string,
  variant: string,
): V | undefined {
  return results.find((r) => r.id === workload)?.variants.find((v) => v.name === variant);
}

/**
 * `variant` against another row of the same workload (not its baseline): the other's time ÷ this one's, for the
 * best and the median run (> 1: `variant` is faster). Undefined when either row did not run.
 */
export function pairRatio<V extends { readonly name: string; readonly bestMs: number; readonly medianMs: number }>(
  results: readonly { readonly id: string; readonly variants: readonly V[] }[],
  workload: string,
  variant: string,
  other: string,
): { readonly variant: V; readonly other: V; readonly best: number; readonly median: number } | undefined {
  const v = findVariant(results, workload, variant);
  const o = findVariant(results, workload, other);
  if (v === undefined || o === undefined) return undefined;
  return { variant: v, other: o, best: o.bestMs / v.bestMs, median: o.medianMs / v.medianMs };
}

/** A target's line: `  label: <best> best, <median> median → verdict` (figures already formatted). */
export function targetLine(label: string, best: string, median: string, verdict: string): string {
  return `  ${label}: ${best} best, ${median} median → ${verdict}`;
}
