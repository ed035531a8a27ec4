// The bench pipelines in a plain JavaScript module: `thread` workers import it without any TypeScript loader.
// See define-pipelines.mjs; the TypeScript twin is pipelines.ts.
import { definePipelines } from './define-pipelines.mjs';

export const { fibPipeline, incPipeline, hashThread, hashInline } = definePipelines(import.meta.url, 'js');
