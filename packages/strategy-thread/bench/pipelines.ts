/**
 * The Minigun pipelines of the thread bench. They live at the top level of this module because the `thread`
 * strategy's workers import it (`{ module: import.meta.url }`, through tsx's API since it is TypeScript) to
 * find the stage function. Nothing runs on import: the self-test at the bottom is guarded by isMain.
 *
 *   node --import tsx bench/pipelines.ts     # one small run of each pipeline, prints the sums
 */
import { isMain, pipeline, Registry, type RunResult } from '@minigun/core';
import { threadStrategies } from '@minigun/strategy-thread';
import { fib, inc } from './fib.mjs';

export interface BenchState {
  /** How many inputs the producer emits. */
  readonly count: number;
  /** The producer emits this value `count` times (fib workload) or 0, 1, … count - 1 (dispatch workload). */
  readonly arg: number;
  /** The consumer adds every result here (it runs inline, in the main thread). */
  sum: number;
}

/** CPU-bound: producer → `thread` (concurrency 2) fib → inline consumer summing. */
export const fibPipeline = pipeline<BenchState>('bench-thread-fib', { module: import.meta.url }, (p) => {
  p.producer('inputs', (_out, ctx) => Array.from({ length: ctx.state.count }, () => ctx.state.arg));
  p.processor('fib', { strategy: 'thread', concurrency: 2 }, (n: number) => fib(n));
  p.consumer('sum', (x: number, _out, ctx) => {
    ctx.state.sum += x;
  });
});

/** Dispatch: producer → `thread` (concurrency 2) n → n + 1 → inline consumer summing. */
export const incPipeline = pipeline<BenchState>('bench-thread-inc', { module: import.meta.url }, (p) => {
  p.producer('inputs', function* (_out, ctx) {
    for (let i = 0; i < ctx.state.count; i++) yield i;
  });
  p.processor('inc', { strategy: 'thread', concurrency: 2 }, (n: number) => inc(n));
  p.consumer('sum', (x: number, _out, ctx) => {
    ctx.state.sum += x;
  });
});

/** Runs a pipeline and returns the sum, or throws if the run did not complete without errors. */
export async function runForSum(p: typeof fibPipeline, count: number, arg: number, registry: Registry): Promise<number> {
  const state: BenchState = { count, arg, sum: 0 };
  const result: RunResult = await p.run({ state, registry });
  if (result.status !== 'completed' || result.errors.length > 0) {
    const first = result.errors[0]?.message ?? '';
    throw new Error(`${p.name}: run ${result.status} with ${result.errors.length} error(s)${first === '' ? '' : `: ${first}`}`);
  }
  return state.sum;
}

if (isMain(import.meta)) {
  const registry = new Registry().use(threadStrategies());
  console.log('fib  8 × fib(20):', await runForSum(fibPipeline, 8, 20, registry), 'expected', 8 * fib(20));
  console.log('inc  1000 inputs:', await runForSum(incPipeline, 1000, 0, registry), 'expected', (1000 * 1001) / 2);
}
