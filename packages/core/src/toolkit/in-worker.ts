/**
 * Whether this isolate is a Minigun worker. Kept on `globalThis` under a registered symbol, not in a module
 * variable, so that it holds even when a worker loads two copies of core (the worker entry's and the one the
 * pipeline module imports through a TypeScript loader).
 */
import { pathToFileURL } from 'node:url';

const FLAG = Symbol.for('minigun.worker');

export function markMinigunWorker(): void {
  (globalThis as Record<symbol, unknown>)[FLAG] = true;
}

export function inMinigunWorker(): boolean {
  return (globalThis as Record<symbol, unknown>)[FLAG] === true;
}

/**
 * True when the calling module is the program's entry point and not a module imported by a Minigun worker.
 * Guard the code that starts a run with it, so that workers can import the module safely:
 *
 *   if (isMain(import.meta)) await etl.run();       // ESM
 *   if (isMain(module)) etl.run();                  // CommonJS
 */
export function isMain(meta: { url: string } | { filename?: string; id?: string }): boolean {
  if (inMinigunWorker()) return false;
  const entry = process.argv[1];
  if (entry === undefined) return false;
  if ('url' in meta) return meta.url === pathToFileURL(entry).href || meta.url === pathToFileURL(entry.replace(/\.[cm]?[jt]s$/, '')).href;
  const cjsMain = (globalThis as { require?: { main?: unknown } }).require?.main;
  if (cjsMain !== undefined) return cjsMain === meta;
  return meta.filename === entry;
}
