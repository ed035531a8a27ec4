// The bench's Minigun pipelines, defined once in plain JavaScript and instantiated at the top level of two
// modules that the `thread` workers import to find the stage: pipelines.ts (TypeScript: each worker registers
// tsx to import it) and pipelines-js.mjs (plain JavaScript: no loader in the workers). Same stage code for
// both, and the same fib/inc/hashFile as the raw workers (fib.mjs).
import { pipeline } from '@minigun/core';
import { fib, hashFile, inc } from './fib.mjs';

/**
 * @param {string} moduleUrl import.meta.url of the module that calls this at its top level
 * @param {string} tag suffix of the pipeline names ('ts' or 'js')
 */
export function definePipelines(moduleUrl, tag) {
  /** CPU-bound: producer emits `arg` `count` times → `thread` (concurrency 2) fib → inline consumer summing. */
  const fibPipeline = pipeline(`bench-thread-fib-${tag}`, { module: moduleUrl }, (p) => {
    p.producer('inputs', (_out, ctx) => Array.from({ length: ctx.state.count }, () => ctx.state.arg));
    p.processor('fib', { strategy: 'thread', concurrency: 2 }, (n) => fib(n));
    p.consumer('sum', (x, _out, ctx) => {
      ctx.state.sum += x;
    });
  });

  /** Dispatch: producer emits 0 … count - 1 → `thread` (concurrency 2) n → n + 1 → inline consumer summing. */
  const incPipeline = pipeline(`bench-thread-inc-${tag}`, { module: moduleUrl }, (p) => {
    p.producer('inputs', function* (_out, ctx) {
      for (let i = 0; i < ctx.state.count; i++) yield i;
    });
    p.processor('inc', { strategy: 'thread', concurrency: 2 }, (n) => inc(n));
    p.consumer('sum', (x, _out, ctx) => {
      ctx.state.sum += x;
    });
  });

  /** I/O-bound async stage: producer emits file paths → read + sha256 each (`thread`, 2 threads) → inline sum of sizes. */
  const hashThread = pipeline(`bench-thread-hash-${tag}`, { module: moduleUrl }, (p) => {
    p.producer('inputs', (_out, ctx) => ctx.state.paths);
    p.processor('hash', { strategy: 'thread', concurrency: 2 }, (path) => hashFile(path));
    p.consumer('sum', (x, _out, ctx) => {
      ctx.state.sum += x;
    });
  });

  /** The same stage inline with concurrency 8 (the baseline of the async workload). */
  const hashInline = pipeline(`bench-inline-hash-${tag}`, { module: moduleUrl }, (p) => {
    p.producer('inputs', (_out, ctx) => ctx.state.paths);
    p.processor('hash', { concurrency: 8 }, (path) => hashFile(path));
    p.consumer('sum', (x, _out, ctx) => {
      ctx.state.sum += x;
    });
  });

  return { fibPipeline, incPipeline, hashThread, hashInline };
}
