/**
 * The bench pipelines in a TypeScript module, as a TypeScript user writes them: the `thread` strategy's
 * workers import this file (`{ module: import.meta.url }`): the run compiles it once in the parent and the
 * workers import the JavaScript (no loader in them).
 * The stage code is shared with the plain-JavaScript twin pipelines-js.mjs (define-pipelines.mjs). Nothing
 * runs on import: the self-test at the bottom is guarded by isMain, since every worker imports this module.
 * The benchmark runs these pipelines with runForSum from @minigun/bench-harness.
 *
 *   node --import tsx bench/pipelines.ts     # one small run of each pipeline, both modules, prints the sums
 */
import { isMain, Registry } from '@minigun/core';
import { threadStrategies } from '@minigun/strategy-thread';
import { definePipelines, type BenchState, type HashState } from './define-pipelines.mjs';
import { fib } from './fib.mjs';

export type { BenchState, HashState };

export const { fibPipeline, incPipeline, hashThread, hashInline } = definePipelines(import.meta.url, 'ts');

if (isMain(import.meta)) {
  // Imported here, not at the top: every worker imports this module, and they need nothing of the harness.
  const { runForSum } = await import('@minigun/bench-harness');
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
