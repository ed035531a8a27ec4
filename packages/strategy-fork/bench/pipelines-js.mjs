// The bench pipelines in a plain JavaScript module: the fork strategies' children import it without any
// TypeScript loader. See define-pipelines.mjs; the TypeScript twin is pipelines.ts.
import { definePipelines } from './define-pipelines.mjs';

export const { cowIncPipeline, cowSleepPipeline, ipcIncPipeline, ipcFibPipeline, cowFibPipeline } = definePipelines(import.meta.url, 'js');
