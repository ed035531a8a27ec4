/**
 * Node flags for the pool's workers. Only flags known to be accepted by worker threads and useful there are
 * passed on: Node refuses per-process flags in a Worker's execArgv (`--expose-gc` fails the worker), and ESM
 * loader flags (`--import tsx`, `--loader …`) are unreliable there on Node 20 (nodejs/node#47747,
 * privatenumber/tsx#354; test runners add their own, vitest-dev/vitest#6040). A worker imports a TypeScript
 * pipeline module by registering tsx itself (see @minigun/core/toolkit); plain JavaScript needs no loader.
 */
const PASSED_ON = ['--conditions', '-C', '--enable-source-maps', '--no-warnings', '--no-deprecation', '--trace-warnings', '--experimental-vm-modules'];
// V8 options such as --stack-trace-limit are not passed: they are per process (a worker thread already runs
// with them), and Node refuses them in a Worker's execArgv.
const WITH_VALUE = new Set(['--conditions', '-C']);

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    const name = flag.split('=')[0]!;
    if (!PASSED_ON.includes(name)) continue;
    out.push(flag);
    if (WITH_VALUE.has(flag) && i + 1 < execArgv.length) out.push(execArgv[++i]!);
  }
  return out;
}
