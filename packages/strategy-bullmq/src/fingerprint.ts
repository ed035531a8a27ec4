/**
 * Which code a stage runs, as a short hash of its kind and function source. Parent and worker each compute
 * it from the pipeline module they imported; a worker whose hash differs (another version of the module,
 * or a module that defines the stage differently) refuses the job instead of running the wrong code.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, MinigunError } from '@minigun/core';

interface PipelineShape {
  readonly name: string;
  readonly compiled: { readonly stages: ReadonlyMap<string, { readonly kind: string; readonly fn?: unknown }> };
}

const BRAND = Symbol.for('minigun.pipeline');

/** The exported pipelines of a module (namespaces re-exported one level deep included). */
export function pipelinesOf(exports: Record<string, unknown>): PipelineShape[] {
  const found: PipelineShape[] = [];
  const scan = (values: unknown[], depth: number): void => {
    for (const v of values) {
      if (v === null || typeof v !== 'object') continue;
      if ((v as Record<symbol, unknown>)[BRAND] === true) found.push(v as PipelineShape);
      else if (depth === 0) scan(Object.values(v), 1);
    }
  };
  scan(Object.values(exports), 0);
  return found;
}

/** The fingerprint of `stage` of `pipeline` among `exports`, or undefined when the module lacks it. */
export function fingerprintIn(exports: Record<string, unknown>, pipeline: string, stage: string): string | undefined {
  const s = pipelinesOf(exports)
    .find((p) => p.name === pipeline)
    ?.compiled.stages.get(stage);
  if (s === undefined) return undefined;
  return createHash('sha256')
    .update(`${s.kind}\n${typeof s.fn === 'function' ? s.fn.toString() : ''}`)
    .digest('hex')
    .slice(0, 16);
}

/** The built thread entry that computes a fingerprint, resolved from src/ (tests) and dist/ alike. */
const THREAD = new URL('../dist/fingerprint-thread.js', import.meta.url);

/**
 * The fingerprint of a stage as a worker will see it: computed in a worker thread that imports the module
 * as worker processes do. Importing it here could give a copy rewritten by whatever loaded the parent (a
 * bundler, a test runner), whose functions read differently.
 */
export async function parentFingerprint(module: string, pipeline: string, stage: string): Promise<string> {
  const url = /^[a-z]+:/i.test(module) ? module : pathToFileURL(module).href;
  const answer = await new Promise<{ fingerprint?: string; error?: string }>((resolve, reject) => {
    const thread = new Worker(THREAD, { workerData: { module: url, pipeline, stage } });
    thread.once('message', (m: { fingerprint?: string; error?: string }) => {
      resolve(m);
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the thread exited with code ${code}`)));
  }).catch((error: unknown): { fingerprint?: string; error?: string } => ({ error: (error as Error).message }));
  if (answer.error !== undefined) {
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `Stage "${stage}" of pipeline "${pipeline}" runs on the bullmq strategy, but its pipeline module ${url} could not be loaded the way workers load it: ${answer.error}`,
      {
        pipeline,
        stage,
      },
    );
  }
  const found = answer.fingerprint;
  if (found === undefined) {
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `Stage "${stage}" of pipeline "${pipeline}" runs on the bullmq strategy, but the pipeline module ${module} does not export that pipeline with that stage, so workers could not find it. Export the pipeline from options.module.`,
      { pipeline, stage },
    );
  }
  return found;
}

/**
 * The parent fingerprints of one strategy instance, each computed once per module, pipeline and stage. The
 * thread that imports the module takes some 100 to 150 ms, which every run would otherwise wait for before
 * its first job, even when its workers are already up. A process imports its modules once, so the parent's
 * stage code cannot change while it runs, and neither can its fingerprint; a computation that failed is
 * not kept (the next run tries again).
 */
export class ParentFingerprints {
  private readonly known = new Map<string, Promise<string>>();

  get(module: string, pipeline: string, stage: string): Promise<string> {
    const key = JSON.stringify([module, pipeline, stage]);
    let found = this.known.get(key);
    if (found === undefined) {
      found = parentFingerprint(module, pipeline, stage);
      this.known.set(key, found);
      found.catch(() => this.known.delete(key));
    }
    return found;
  }
}
