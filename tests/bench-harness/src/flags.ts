/** Node flags of the processes and threads a bench starts. */

/**
 * `argv` (default: this process's execArgv) without the given loader flags and their values, in both forms
 * (`--import tsx` and `--import=tsx`): the benches run under `--import tsx`, while their raw workers and
 * children run plain JavaScript and must not pay for a loader.
 */
export function withoutLoaderFlags(loaderFlags: readonly string[], argv: readonly string[] = process.execArgv): string[] {
  const loader = new Set(loaderFlags);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (loader.has(a)) {
      i++;
      continue;
    }
    if (loaderFlags.some((f) => a.startsWith(`${f}=`))) continue;
    out.push(a);
  }
  return out;
}
