/**
 * The bench pipelines in a TypeScript module, as a TypeScript user writes them: the `thread` strategy's
 * workers import this file (`{ module: import.meta.url }`), registering tsx's loader in each worker to do so.
 * The stage code is shared with the plain-JavaScript twin pipelines-js.mjs (define-pipelines.mjs). Nothing
 * runs on import: the self-test at the bottom is guarded by isMain, since every worker imports this module.
 *
 *   node --import tsx bench/pipelines.ts     # one small run of each pipeline, both modules, prints the sums
 */
import { isMain, Registry, type Pipeline } from '@minigun/core';
import { threadStrategies } from '@minigun/strategy-thread';
import { definePipelines, type BenchState } from './define-pipelines.mjs';
import { fib } from './fib.mjs';

export type { BenchState };

export const { fibPipeline, incPipeline } = definePipelines(import.meta.url, 'ts');

/** Runs a pipeline and returns the sum, or throws if the run did not complete without errors. */
export async function runForSum(p: Pipeline<BenchState>, count: number, arg: number, registry: Registry): Promise<number> {
  const state: BenchState = { count, arg, sum: 0 };
  const result = await p.run({ state, registry });
  if (result.status !== 'completed' || result.errors.length > 0) {
    const first = result.errors[0]?.message ?? '';
    throw new Error(`${p.name}: run ${result.status} with ${result.errors.length} error(s)${first === '' ? '' : `: ${first}`}`);
  }
  return state.sum;
}

if (isMain(import.meta)) {
  const registry = new Registry().use(threadStrategies());
  const js = await import('./pipelines-js.mjs');
  for (const [label, m] of [
    ['ts', { fibPipeline, incPipeline }],
    ['js', js],
  ] as const) {
    console.log(`${label}  fib  8 × fib(20):`, await runForSum(m.fibPipeline, 8, 20, registry), 'expected', 8 * fib(20));
    console.log(`${label}  inc  1000 inputs:`, await runForSum(m.incPipeline, 1000, 0, registry), 'expected', (1000 * 1001) / 2);
  }
}
