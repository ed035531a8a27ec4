/** Types of pipelines.mjs. */
import type { Pipeline } from '@minigun/core';

export declare function fib(n: number): number;
export declare const dispatchBullmq: Pipeline<{ n: number; sum: number }>;
export declare const dispatchIpc: Pipeline<{ n: number; sum: number }>;
export declare const cpuBullmq: Pipeline<{ count: number; fibN: number; sum: number }>;
export declare const cpuIpc: Pipeline<{ count: number; fibN: number; sum: number }>;
export declare const cpuBullmqServed: Pipeline<{ count: number; fibN: number; sum: number }>;
