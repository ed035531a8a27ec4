/**
 * Worker-thread entry: imports the pipeline module the way a worker process does (Node's loader, tsx for
 * TypeScript) and answers the fingerprint of one stage. The parent uses it so that its fingerprint is not
 * that of a copy rewritten by whatever loaded the parent (a bundler, a test runner).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { importPipelineModule, markMinigunWorker } from '@minigun/core/toolkit';
import { fingerprintIn } from './fingerprint.js';

const { module, pipeline, stage } = workerData as { module: string; pipeline: string; stage: string };
markMinigunWorker();
importPipelineModule(module).then(
  (exports) => parentPort!.postMessage({ fingerprint: fingerprintIn(exports, pipeline, stage) }),
  (error: unknown) => parentPort!.postMessage({ error: (error as Error).message }),
);
