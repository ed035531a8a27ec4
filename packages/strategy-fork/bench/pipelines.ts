/**
 * The bench pipelines in a TypeScript module, as a TypeScript user writes them: the fork strategies'
 * children import this file (`{ module: import.meta.url }`): the run compiles it once in the parent and the
 * children import the JavaScript, without a loader. The stage code is shared with the plain-JavaScript twin
 * pipelines-js.mjs (define-pipelines.mjs), and it imports nothing the twin does not: the `.ts` against `.mjs`
 * rows then measure how a TypeScript module is loaded, not a larger module. The benchmark runs these
 * pipelines with runForSum from @minigun/bench-harness.
 */
import { definePipelines, type BenchState } from './define-pipelines.mjs';

export type { BenchState };

export const { cowIncPipeline, cowSleepPipeline, ipcIncPipeline, ipcFibPipeline, cowFibPipeline } = definePipelines(import.meta.url, 'ts');
