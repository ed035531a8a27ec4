/**
 * What every core workload computes, and the check that a Minigun run counts. The timing, tables and options
 * come from @minigun/bench-harness; these stay here because the peak-RSS child (rss-child.ts, through
 * workloads/w1-sync.ts) imports them: in its `plain` mode it runs on plain node from transpiled copies of the
 * relative modules it imports (see workloads/w4-rss.ts), so nothing it imports may import the harness, a
 * workspace package whose entry is TypeScript.
 */

/** Sum of `(i + 1) * 2` for i = 1..n: what every workload computes. */
export function expectedSum(n: number): number {
  return n * (n + 1) + 2 * n;
}

/** A Minigun run counts only if it completed without errors; otherwise its sum is not trusted. */
export function assertCompleted(result: { status: string; errors: readonly { message: string }[] }, what: string): void {
  if (result.status !== 'completed' || result.errors.length > 0) {
    const first = result.errors[0]?.message ?? '';
    throw new Error(`${what}: run ${result.status} with ${result.errors.length} error(s)${first === '' ? '' : `: ${first}`}`);
  }
}
