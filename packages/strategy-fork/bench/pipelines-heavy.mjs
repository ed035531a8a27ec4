// The bench pipelines in a module whose import takes about 200 ms (a stand-in for a module that loads a
// large dependency tree): spawn pays it in every child, the fork server once. Plain JavaScript.
import { definePipelines } from './define-pipelines.mjs';

const IMPORT_MS = 200;
const end = Date.now() + IMPORT_MS;
while (Date.now() < end); // busy: what a heavy import costs a child, in CPU as in time

export const { cowIncPipeline } = definePipelines(import.meta.url, 'heavy');
