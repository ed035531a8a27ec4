/** Targets of the benches: a figure of one variant compared with a threshold, printed as PASS/FAIL only. */

/** The variant called `variant` in the workload with id `workload`, if that workload ran. */
export function findVariant<V extends { readonly name: string }>(
  results: readonly { readonly id: string; readonly variants: readonly V[] }[],
  workload: string,
  variant: string,
): V | undefined {
  return results.find((r) => r.id === workload)?.variants.find((v) => v.name === variant);
}

/** A target's line: `  label: <best> best, <median> median → verdict` (figures already formatted). */
export function targetLine(label: string, best: string, median: string, verdict: string): string {
  return `  ${label}: ${best} best, ${median} median → ${verdict}`;
}
