/** Types of define-pipelines.mjs. */
import type { Pipeline } from '@minigun/core';

export interface BenchState {
  /** How many inputs the producer emits. */
  readonly count: number;
  /** fib workload: the argument of every input; sleep workload: the wait per input in ms; otherwise unused. */
  readonly arg: number;
  /** The consumer (inline, in the parent) adds every result here. */
  sum: number;
}

export interface BenchPipelines {
  readonly cowIncPipeline: Pipeline<BenchState>;
  readonly cowSleepPipeline: Pipeline<BenchState>;
  readonly ipcIncPipeline: Pipeline<BenchState>;
  readonly ipcFibPipeline: Pipeline<BenchState>;
  readonly cowFibPipeline: Pipeline<BenchState>;
}

export declare function definePipelines(moduleUrl: string, tag: string): BenchPipelines;
