/**
 * The bench pipelines in a TypeScript module, as a TypeScript user writes them: the fork strategies'
 * children import this file (`{ module: import.meta.url }`): the run compiles it once in the parent and the
 * children import the JavaScript, without a loader. For information only: the targets are judged on the plain
 * JavaScript twin pipelines-js.mjs (same stage code, define-pipelines.mjs). Nothing runs on import: the
 * self-test at the bottom is guarded by isMain, since every child imports this module. The benchmark runs
 * these pipelines with runForSum from @minigun/bench-harness.
 *
 *   node --import tsx bench/pipelines.ts     # one small run of each pipeline, both modules, prints the sums
 */
import { isMain, Registry } from '@minigun/core';
import { forkStrategies } from '@minigun/strategy-fork';
import { definePipelines, type BenchState } from './define-pipelines.mjs';
import { fib } from './fib.mjs';

export type { BenchState };

export const { cowIncPipeline, cowSleepPipeline, ipcIncPipeline, ipcFibPipeline, cowFibPipeline } = definePipelines(import.meta.url, 'ts');

if (isMain(import.meta)) {
  // Imported here, not at the top: every child imports this module, and they need nothing of the harness.
  const { runForSum } = await import('@minigun/bench-harness');
  const registry = new Registry().use(forkStrategies());
  const js = await import('./pipelines-js.mjs');
  for (const [label, m] of [
    ['ts', { cowIncPipeline, cowSleepPipeline, ipcIncPipeline, ipcFibPipeline, cowFibPipeline }],
    ['js', js],
  ] as const) {
    console.log(`${label}  cow inc    6 inputs:`, await runForSum(m.cowIncPipeline, 6, 0, registry), 'expected', (6 * 7) / 2);
    console.log(`${label}  cow sleep  4 × 50 ms:`, await runForSum(m.cowSleepPipeline, 4, 50, registry), 'expected', (4 * 5) / 2);
    console.log(`${label}  ipc inc    1000 inputs:`, await runForSum(m.ipcIncPipeline, 1000, 0, registry), 'expected', (1000 * 1001) / 2);
    console.log(`${label}  ipc fib    8 × fib(20):`, await runForSum(m.ipcFibPipeline, 8, 20, registry), 'expected', 8 * fib(20));
    console.log(`${label}  cow fib    4 × fib(20):`, await runForSum(m.cowFibPipeline, 4, 20, registry), 'expected', 4 * fib(20));
  }
}
