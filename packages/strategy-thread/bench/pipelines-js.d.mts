/** Types of pipelines-js.mjs. */
import type { BenchPipelines } from './define-pipelines.mjs';

export declare const fibPipeline: BenchPipelines['fibPipeline'];
export declare const incPipeline: BenchPipelines['incPipeline'];
export declare const hashThread: BenchPipelines['hashThread'];
export declare const hashInline: BenchPipelines['hashInline'];
