/**
 * Imports the user's module (TypeScript through tsx's register API, as isolated workers do) and picks the
 * pipeline to run among its exports, recognised by the `Symbol.for('minigun.pipeline')` brand so that a
 * pipeline made by another copy of @minigun/core is found too.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importPipelineModule } from '@minigun/core/toolkit';
import type { RunOptions, RunResult, StageKind } from '@minigun/core';
import { ModuleLoadError } from './module-load-error.js';
import { UsageError } from './usage-error.js';

const BRAND = Symbol.for('minigun.pipeline');

/** What the CLI needs of a pipeline (structural: it may come from another copy of core). */
export interface RunnablePipeline {
  readonly name: string;
  readonly stages: ReadonlyArray<{
    readonly name: string;
    readonly kind: StageKind;
    readonly strategy: string;
    readonly concurrency: number;
    readonly to: readonly string[];
  }>;
  run(options: RunOptions): Promise<RunResult>;
}

export async function loadPipeline(module: string, name: string | undefined, cwd: string): Promise<RunnablePipeline> {
  const path = resolve(cwd, module);
  if (!existsSync(path)) throw new UsageError(`Module not found: ${path} (from "${module}", relative to ${cwd}). Check the path.`);
  let exports: Record<string, unknown>;
  try {
    exports = await importPipelineModule(pathToFileURL(path).href);
  } catch (e) {
    throw ModuleLoadError.of(`Importing ${path}`, e);
  }
  const found = pipelinesIn(exports);
  if (found.length === 0) {
    throw new UsageError(
      `${path} exports no pipeline. Export the one to run, e.g. export const etl = pipeline('etl', { module: import.meta.url }, (p) => { … });`,
    );
  }
  if (name !== undefined) {
    const match = found.find((p) => p.name === name);
    if (match === undefined)
      throw new UsageError(`${path} exports no pipeline named "${name}". Its pipelines: ${names(found)}. Pass one of them to --pipeline.`);
    return match;
  }
  if (found.length === 1) return found[0]!;
  const fallback = exports.default;
  if (isPipeline(fallback)) return fallback;
  throw new UsageError(`${path} exports several pipelines (${names(found)}). Choose one with --pipeline <name>.`);
}

/** Branded exports, and those of re-exported namespaces one level down; each pipeline once. */
function pipelinesIn(exports: Record<string, unknown>): RunnablePipeline[] {
  const found = new Set<RunnablePipeline>();
  for (const value of Object.values(exports)) {
    if (isPipeline(value)) found.add(value);
    else if (value !== null && typeof value === 'object' && isPlainOrModule(value)) {
      for (const inner of Object.values(value)) if (isPipeline(inner)) found.add(inner);
    }
  }
  return [...found];
}

function isPipeline(value: unknown): value is RunnablePipeline {
  return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[BRAND] === true;
}

function isPlainOrModule(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return Object.prototype.toString.call(value) === '[object Module]' || proto === null || proto === Object.prototype;
}

function names(list: readonly RunnablePipeline[]): string {
  return list.map((p) => `"${p.name}"`).join(', ');
}
