// The bench's Minigun pipelines, defined once in plain JavaScript and instantiated at the top level of two
// modules that the fork strategies' children import to find their stage: pipelines-js.mjs (plain
// JavaScript: the children need no loader; the targets are judged on it) and pipelines.ts (TypeScript: the
// children need tsx, for information). Same stage code for both, and the same fib/inc/sleepInc as the raw
// baselines (fib.mjs). Every pipeline: inline producer → forked processor (concurrency 2) → inline consumer
// summing into ctx.state.sum (the parent's state: the children's results come back as emissions).
import { pipeline } from '@minigun/core';
import { fib, inc, sleepInc } from './fib.mjs';

/**
 * @param {string} moduleUrl import.meta.url of the module that calls this at its top level
 * @param {string} tag suffix of the pipeline names ('ts' or 'js')
 */
export function definePipelines(moduleUrl, tag) {
  /** Producer emits 0 … count - 1 → processor `name` with `strategy` (concurrency 2) running `fn` → sum. */
  const define = (name, strategy, fn, produce) =>
    pipeline(`bench-fork-${name}-${tag}`, { module: moduleUrl }, (p) => {
      p.producer('inputs', produce);
      p.processor(name, { strategy, concurrency: 2 }, fn);
      p.consumer('sum', (x, _out, ctx) => {
        ctx.state.sum += x;
      });
    });
  const range = function* (_out, ctx) {
    for (let i = 0; i < ctx.state.count; i++) yield i;
  };
  const repeatArg = (_out, ctx) => Array.from({ length: ctx.state.count }, () => ctx.state.arg);

  return {
    /** cow-fork per-input cost: a fresh child per input, n → n + 1. */
    cowIncPipeline: define('cow-inc', 'cow-fork', (n) => inc(n), range),
    /** cow-fork with I/O-bound inputs: each waits `arg` ms (setTimeout), then n → n + 1. */
    cowSleepPipeline: define('cow-sleep', 'cow-fork', (n, _out, ctx) => sleepInc(n, ctx.state.arg), range),
    /** ipc-fork dispatch: 2 persistent children, n → n + 1. */
    ipcIncPipeline: define('ipc-inc', 'ipc-fork', (n) => inc(n), range),
    /** ipc-fork CPU-bound: every input is `arg`, fib(arg). */
    ipcFibPipeline: define('ipc-fib', 'ipc-fork', (n) => fib(n), repeatArg),
    /** cow-fork CPU-bound: a fresh child per input, every input is `arg`, fib(arg). */
    cowFibPipeline: define('cow-fib', 'cow-fork', (n) => fib(n), repeatArg),
  };
}
