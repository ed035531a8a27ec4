/**
 * Inside a worker: import the pipeline module and find the pipeline (by name, among the module's exports,
 * extended pipelines included) and the stage (by full name, nested pipelines included).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledPipeline, CompiledStage } from '../definition/compile.js';
import { ErrorCodes, MinigunError, listNames } from '../errors.js';
import { COMPILED_FILE, TS_FILE, describeModule, moduleUrl } from '../runtime/compile-typescript.js';

/** Set on every Pipeline: lets a worker recognise pipelines made by another copy of core. */
export const PIPELINE_BRAND = Symbol.for('minigun.pipeline');

interface PipelineLike {
  readonly name: string;
  readonly compiled: CompiledPipeline;
}

let tsxRegistered: Promise<void> | undefined;

/**
 * Imports a pipeline module by URL or path. For a TypeScript module, tsx's loader is registered in this
 * isolate first (once), resolved from the user's module: on Node 20 a parent's `--import tsx` does not
 * reach worker threads, and registering (unlike tsImport) keeps one copy of each package, so the module
 * and the worker share `@minigun/core`. It must happen before the first import of a `.ts` URL, because
 * Node caches a failed import.
 */
export async function importPipelineModule(module: string): Promise<Record<string, unknown>> {
  const url = moduleUrl(module);
  const isTs = TS_FILE.test(new URL(url).pathname);
  // A module compiled by the parent maps its stack traces back to the .ts files (its source map is inline).
  if (COMPILED_FILE.test(new URL(url).pathname)) process.setSourceMapsEnabled(true);
  if (isTs) {
    // Both halves: ESM hooks for ESM-format .ts, the CommonJS hooks for .ts in packages without "type": "module".
    tsxRegistered ??= Promise.all(
      (['./esm/api', './cjs/api'] as const).map((entry) =>
        import(resolveTsxEntry(url, entry)).then(
          (api: { register: () => unknown }) => void api.register(),
          () => undefined, // no tsx: maybe another loader is active; the import below tells
        ),
      ),
    ).then(() => undefined);
    await tsxRegistered;
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (isTs && (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_ESM_URL_SCHEME')) {
      throw new MinigunError(
        ErrorCodes.TS_LOADER,
        `The pipeline module ${url} is TypeScript, and a worker has no TypeScript loader to import it. Install tsx next to it (npm install --save-dev tsx), or compile the module to JavaScript and point options.module at the .js file.`,
        { cause: error },
      );
    }
    // The module ran a pipeline at import time: say so directly.
    if ((error as { code?: string }).code === ErrorCodes.RUN_IN_WORKER) throw error;
    throw new MinigunError(ErrorCodes.WORKER_SETUP, `A worker could not import the pipeline module ${describeModule(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * An entry of tsx's API (`./esm/api`, `./cjs/api`) as an importable URL, resolved from the user's module
 * (their tsx), else from core's location. createRequire alone would pick the CommonJS file of the ESM API,
 * whose functions cannot load ESM, so the exports map is read.
 */
function resolveTsxEntry(moduleUrl: string, entry: './esm/api' | './cjs/api'): string {
  for (const from of [moduleUrl, import.meta.url]) {
    try {
      const manifest = createRequire(from).resolve('tsx/package.json');
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports?: Record<string, { import?: { default?: string } | string; require?: { default?: string } | string }>;
      };
      const spec = pkg.exports?.[entry];
      const target = entry === './esm/api' ? spec?.import : spec?.require;
      const file = typeof target === 'string' ? target : target?.default;
      if (file !== undefined) return pathToFileURL(join(dirname(manifest), file)).href;
    } catch {
      // not resolvable from here: try the next place
    }
  }
  return `tsx${entry.slice(1)}`;
}

/**
 * Whether a worker could import `module`: JavaScript always; TypeScript when tsx can be found (from the
 * module or from core) or the runtime strips types itself (Node 22.18+). Checked before a run starts.
 */
export function canImportInWorker(module: string): boolean {
  const url = moduleUrl(module);
  if (!TS_FILE.test(new URL(url).pathname)) return true;
  if ((process.features as { typescript?: unknown }).typescript) return true;
  for (const from of [url, import.meta.url]) {
    try {
      createRequire(from).resolve('tsx/package.json');
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

export function findPipeline(exports: Record<string, unknown>, name: string, module: string): PipelineLike {
  const found: PipelineLike[] = [];
  const scan = (values: unknown[], depth: number): void => {
    for (const value of values) {
      if (value === null || typeof value !== 'object') continue;
      if ((value as Record<symbol, unknown>)[PIPELINE_BRAND] === true) found.push(value as PipelineLike);
      // Re-exported namespaces (export * as fixtures from …; bundlers turn them into plain objects) too.
      else if (depth === 0 && isNamespace(value)) scan(Object.values(value), 1);
    }
  };
  scan(Object.values(exports), 0);
  const match = found.find((p) => p.name === name);
  if (match === undefined) {
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `A worker imported ${describeModule(module)} but found no exported pipeline named "${name}" (exported pipelines: ${listNames(found.map((p) => p.name))}). Export the pipeline from the module given as options.module (also pipelines made with extend), so that workers can find it.`,
      { pipeline: name },
    );
  }
  return match;
}

function isNamespace(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return Object.prototype.toString.call(value) === '[object Module]' || proto === null || proto === Object.prototype;
}

export function findStage(pipeline: PipelineLike, stage: string): CompiledStage {
  const s = pipeline.compiled.stages.get(stage);
  if (s === undefined) {
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `Pipeline "${pipeline.name}" in the worker has no stage "${stage}" (its stages: ${listNames(pipeline.compiled.stages.keys())}). Does the module define the pipeline differently in workers (e.g. depending on environment)?`,
      { pipeline: pipeline.name, stage },
    );
  }
  return s;
}
