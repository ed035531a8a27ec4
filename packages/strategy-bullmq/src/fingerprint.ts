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

/** A module given as a path or a URL, as the URL that `import()` takes. */
export function moduleHref(module: string): string {
  return /^[a-z]+:/i.test(module) ? module : pathToFileURL(module).href;
}

/**
 * The stages a worker serves among a module's exports: `stages` of `pipeline` (by default the first exported
 * pipeline) when given, else every stage whose strategy is `bullmq`, in every pipeline or in `pipeline`.
 */
export function stagesToServe(
  module: string,
  exports: Record<string, unknown>,
  options: { readonly pipeline?: string; readonly stages?: readonly string[] },
): Array<{ pipeline: string; stage: string }> {
  const targets: Array<{ pipeline: string; stage: string }> = [];
  const pipelines = pipelinesOf(exports).filter((p) => options.pipeline === undefined || p.name === options.pipeline);
  if (options.stages !== undefined) {
    const pipeline = options.pipeline ?? pipelines[0]?.name;
    if (pipeline === undefined) throw new MinigunError(ErrorCodes.WORKER_SETUP, `${module} exports no pipeline; give --pipeline with --stages.`);
    for (const stage of options.stages) targets.push({ pipeline, stage });
  } else {
    for (const p of pipelines)
      for (const [name, s] of p.compiled.stages)
        if ((s as { options?: { strategy?: string } }).options?.strategy === 'bullmq') targets.push({ pipeline: p.name, stage: name });
  }
  if (targets.length === 0) {
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `${module} has no stage on the bullmq strategy${options.pipeline !== undefined ? ` in pipeline "${options.pipeline}"` : ''} to serve. Give the stages with --stages, or set strategy: 'bullmq' on them.`,
    );
  }
  return targets;
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
  const url = moduleHref(module);
  const answer = await new Promise<{ fingerprint?: string; error?: string }>((resolve, reject) => {
    const thread = new Worker(THREAD, { workerData: { module: url, pipeline, stage } });
    thread.once('message', (m: { fingerprint?: string; error?: string }) => {
      resolve(m);
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the thread exited with code ${code}`)));
  }).catch((error: unknown): { fingerprint?: string; error?: string } => ({ error: (error as Error).message }));
  if (answer.error !== undefined) throw unloadable(url, pipeline, stage, answer.error);
  if (answer.fingerprint === undefined) throw stageMissing(module, pipeline, stage);
  return answer.fingerprint;
}

/**
 * The fingerprint that the parent's local workers report (see LocalWorkers): they import the module the run
 * gives them as any worker does, in a process of their own, so the parent need not import it in a thread.
 */
export async function localFingerprint(reported: Promise<string | null>, module: string, pipeline: string, stage: string): Promise<string> {
  let found: string | null;
  try {
    found = await reported;
  } catch (error) {
    throw unloadable(module, pipeline, stage, (error as Error).message);
  }
  if (found === null) throw stageMissing(module, pipeline, stage);
  return found;
}

function unloadable(module: string, pipeline: string, stage: string, why: string): MinigunError {
  return new MinigunError(
    ErrorCodes.WORKER_SETUP,
    `Stage "${stage}" of pipeline "${pipeline}" runs on the bullmq strategy, but its pipeline module ${module} could not be loaded the way workers load it: ${why}`,
    { pipeline, stage },
  );
}

function stageMissing(module: string, pipeline: string, stage: string): MinigunError {
  return new MinigunError(
    ErrorCodes.WORKER_SETUP,
    `Stage "${stage}" of pipeline "${pipeline}" runs on the bullmq strategy, but the pipeline module ${module} does not export that pipeline with that stage, so workers could not find it. Export the pipeline from options.module.`,
    { pipeline, stage },
  );
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
