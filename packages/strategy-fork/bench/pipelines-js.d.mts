/** Types of pipelines-js.mjs. */
import type { BenchPipelines } from './define-pipelines.mjs';

export declare const cowIncPipeline: BenchPipelines['cowIncPipeline'];
export declare const cowSleepPipeline: BenchPipelines['cowSleepPipeline'];
export declare const ipcIncPipeline: BenchPipelines['ipcIncPipeline'];
export declare const ipcFibPipeline: BenchPipelines['ipcFibPipeline'];
export declare const cowFibPipeline: BenchPipelines['cowFibPipeline'];
