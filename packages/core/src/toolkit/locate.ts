/**
 * Inside a worker: import the pipeline module and find the pipeline (by name, among the module's exports,
 * extended pipelines included) and the stage (by full name, nested pipelines included).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { CompiledPipeline, CompiledStage } from '../definition/compile.js';
import { ErrorCodes, MinigunError, listNames } from '../errors.js';

/** Set on every Pipeline: lets a worker recognise pipelines made by another copy of core. */
export const PIPELINE_BRAND = Symbol.for('minigun.pipeline');

interface PipelineLike {
  readonly name: string;
  readonly compiled: CompiledPipeline;
}

const TS_FILE = /\.(?:[cm]?ts|tsx)$/;

/** Imports a pipeline module by URL or path. TypeScript modules go through tsx when no loader is active. */
export async function importPipelineModule(module: string): Promise<Record<string, unknown>> {
  const url = module.startsWith('file:') || module.startsWith('data:') ? module : pathToFileURL(module).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (!TS_FILE.test(new URL(url).pathname) || (code !== 'ERR_UNKNOWN_FILE_EXTENSION' && code !== 'ERR_UNSUPPORTED_ESM_URL_SCHEME')) {
      throw new MinigunError(ErrorCodes.WORKER_SETUP, `A worker could not import the pipeline module ${url}: ${(error as Error).message}`, { cause: error });
    }
  }
  // No loader in this isolate: use tsx's API, resolved from the user's module so it is their tsx.
  let tsImport: (specifier: string, parent: string) => Promise<unknown>;
  try {
    const api = createRequire(url).resolve('tsx/esm/api');
    ({ tsImport } = (await import(pathToFileURL(api).href)) as { tsImport: typeof tsImport });
  } catch (cause) {
    throw new MinigunError(
      ErrorCodes.TS_LOADER,
      `The pipeline module ${url} is TypeScript, and a worker has no TypeScript loader to import it. Install tsx next to it (npm install --save-dev tsx), or compile the module to JavaScript and point options.module at the .js file.`,
      { cause },
    );
  }
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

export function findPipeline(exports: Record<string, unknown>, name: string, module: string): PipelineLike {
  const found: PipelineLike[] = [];
  for (const value of Object.values(exports)) {
    if (value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[PIPELINE_BRAND] === true) found.push(value as PipelineLike);
  }
  const match = found.find((p) => p.name === name);
  if (match === undefined) {
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `A worker imported ${module} but found no exported pipeline named "${name}" (exported pipelines: ${listNames(found.map((p) => p.name))}). Export the pipeline from the module given as options.module (also pipelines made with extend), so that workers can find it.`,
      { pipeline: name },
    );
  }
  return match;
}

export function findStage(pipeline: PipelineLike, stage: string): CompiledStage {
  const s = pipeline.compiled.stages.get(stage);
  if (s === undefined) {
    throw new MinigunError(ErrorCodes.WORKER_SETUP, `Pipeline "${pipeline.name}" in the worker has no stage "${stage}" (its stages: ${listNames(pipeline.compiled.stages.keys())}). Does the module define the pipeline differently in workers (e.g. depending on environment)?`, { pipeline: pipeline.name, stage });
  }
  return s;
}
