/**
 * Whether this isolate is a Minigun worker. Kept on `globalThis` under a registered symbol, not in a module
 * variable, so that it holds even when a worker loads two copies of core (the worker entry's and the one the
 * pipeline module imports through a TypeScript loader).
 */
import { realpathSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
 *
 * The entry is matched the way Node finds it: `node app` runs `app.js` (the extension may be left out), and
 * a symlinked entry (an npm `bin`) runs the file it points to.
 */
export function isMain(meta: { url: string } | { filename?: string; id?: string }): boolean {
  if (inMinigunWorker()) return false;
  const entry = process.argv[1];
  if (entry === undefined || entry === '') return false;
  let file: string;
  if ('url' in meta) {
    if (!meta.url.startsWith('file:')) return false;
    file = fileURLToPath(meta.url);
  } else {
    // CommonJS names its main module '.', however the entry was written.
    if (meta.id === '.') return true;
    if (typeof meta.filename !== 'string') return false;
    file = meta.filename;
  }
  return sameFile(resolve(entry), file);
}

const EXTENSION = /\.[cm]?[jt]sx?$/;

/** Whether the entry as given on the command line is `file`: equal, equal but for the extension, or the same file on disk. */
function sameFile(entry: string, file: string): boolean {
  if (entry === file) return true;
  if (!EXTENSION.test(entry) && file.replace(EXTENSION, '') === entry) return true;
  if (!EXTENSION.test(file) && entry.replace(EXTENSION, '') === file) return true;
  const real = (path: string): string | undefined => {
    try {
      return realpathSync(path);
    } catch {
      return undefined; // not on disk (or not readable): it cannot be the same file by this test
    }
  };
  const target = real(file);
  if (target === undefined) return false;
  return real(entry) === target || (!EXTENSION.test(entry) && real(entry + extname(file)) === target);
}
