/**
 * Node flags for the pool's workers. ESM loader flags (`--import tsx`, `--loader …`) are dropped: on
 * Node 20 a loader passed through a Worker's execArgv is unreliable (nodejs/node#47747, privatenumber/tsx#354)
 * and test runners add their own (vitest-dev/vitest#6040). A worker imports a TypeScript pipeline module
 * through tsx's API instead (see WorkerRuntime in @minigun/core/toolkit), and plain JavaScript needs no loader.
 */
const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader']);

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if (LOADER_FLAGS.has(flag)) {
      i++; // and its value
      continue;
    }
    if ([...LOADER_FLAGS].some((f) => flag.startsWith(`${f}=`))) continue;
    out.push(flag);
  }
  return out;
}
