/** Types of define-pipelines.mjs. */
import type { Pipeline } from '@minigun/core';

export interface BenchState {
  /** How many inputs the producer emits. */
  readonly count: number;
  /** The fib workload's argument (every input is `arg`); unused by the dispatch workload (inputs 0 … count - 1). */
  readonly arg: number;
  /** The consumer (inline, main thread) adds every result here. */
  sum: number;
}

/** State of the hashing pipelines: the files to read and hash; the consumer adds their sizes. */
export interface HashState {
  readonly paths: readonly string[];
  sum: number;
}

export interface BenchPipelines {
  readonly fibPipeline: Pipeline<BenchState>;
  readonly incPipeline: Pipeline<BenchState>;
  readonly hashThread: Pipeline<HashState>;
  readonly hashInline: Pipeline<HashState>;
}

export declare function definePipelines(moduleUrl: string, tag: string): BenchPipelines;
