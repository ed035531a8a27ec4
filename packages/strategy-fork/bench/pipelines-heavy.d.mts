import type { BenchPipelines } from './define-pipelines.mjs';

export declare const cowIncPipeline: BenchPipelines['cowIncPipeline'];
