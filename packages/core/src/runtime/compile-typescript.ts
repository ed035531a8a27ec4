/**
 * A TypeScript pipeline module, compiled once in the parent for its isolated workers. Without this every
 * worker thread and child process registers a TypeScript loader (tsx: on Node 20 a loader-hooks thread per
 * registration) and transpiles the module again, about a second per run. Here esbuild bundles the module
 * and the TypeScript files it reaches (relative files, and workspace packages whose entry is TypeScript)
 * into one ES module; every JavaScript import (packages in node_modules, built workspace packages, .js
 * files of the app) stays an import of the file Node would load, written as its absolute URL, so a worker
 * shares those modules with everything else it imports. Workers import the result with source maps
 * enabled, so their stack traces name the `.ts` files and lines.
 *
 * The output is cached by content hash in a private directory (see `cacheDir`), so a second run, or
 * another process, reuses the file. Where compiling is impossible the workers load the module through the
 * loader as before, and the reason is logged once per module.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../types.js';

type Esbuild = typeof import('esbuild');

/** A TypeScript source file, by extension. */
export const TS_FILE = /\.(?:[cm]?ts|tsx)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
/** How a compiled module's file is named: `<module file name>.<hash>.mjs` (recognised by workers). */
export const COMPILED_FILE = /\.(?:[cm]?ts|tsx)\.[0-9a-f]{16}\.mjs$/;
/** The last line before the source map names the module's source: `// Minigun compiled this from <file URL>`. */
const SOURCE_COMMENT = '// Minigun compiled this from ';

/**
 * The `.ts` module that `url` was compiled from, when it is a file this module wrote (read back from its
 * footer; only on error paths), else undefined.
 */
export function compiledFrom(url: string): string | undefined {
  try {
    if (!COMPILED_FILE.test(new URL(url).pathname)) return undefined;
    const text = readFileSync(fileURLToPath(url), 'utf8');
    const at = text.lastIndexOf(SOURCE_COMMENT);
    if (at < 0) return undefined;
    return (
      text
        .slice(at + SOURCE_COMMENT.length)
        .split('\n', 1)[0]!
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** A pipeline module given as a path or a URL (options.module), as a URL. */
export function moduleUrl(module: string): string {
  return module.startsWith('file:') || module.startsWith('data:') ? module : pathToFileURL(module).href;
}

/** How errors name a module given to workers: its source for a compiled copy (`main.ts, compiled to …`), else itself. */
export function describeModule(module: string): string {
  const source = compiledFrom(moduleUrl(module));
  return source === undefined ? module : `${source} (compiled to ${module})`;
}

/** The cache keeps at most this many files; older ones go, but never one written in the last hour (a run may still start workers on it). */
const MAX_FILES = 64;
const KEEP_MS = 60 * 60 * 1000;

/** Where compiled modules go: MINIGUN_CACHE_DIR, else `<os tmpdir>/minigun-<uid>`; their subfolder `ts`. */
export function cacheDir(): string {
  const base = process.env.MINIGUN_CACHE_DIR || join(tmpdir(), `minigun-${process.getuid?.() ?? 'user'}`);
  return join(base, 'ts');
}

interface Built {
  readonly url: string;
  /** The files bundled in, with what they were when compiled (a changed file compiles again). */
  readonly inputs: ReadonlyArray<readonly [path: string, mtimeMs: number, size: number]>;
}

/** Per process: module (+ conditions and cache dir) → the last build, reused while its inputs are unchanged. */
const builds = new Map<string, Built>();
/** Compiles in progress (runs started together share one). */
const compiling = new Map<string, Promise<string>>();
const warned = new Set<string>();

/**
 * The URL workers should import for `module`: its compiled JavaScript when it is a TypeScript file that
 * compiles, else `module` itself (JavaScript, or the loader fallback, logged once with the reason).
 */
export async function moduleForWorkers(module: string, log: Logger): Promise<string> {
  const url = moduleUrl(module);
  if (!url.startsWith('file:') || !TS_FILE.test(new URL(url).pathname)) return module;
  try {
    return await compile(fileURLToPath(url));
  } catch (error) {
    if (!warned.has(url)) {
      warned.add(url);
      log.warn(
        `${url} could not be compiled to JavaScript for the workers (${(error as Error).message.split('\n')[0]}); they load it through the TypeScript loader instead, which costs more start-up time per worker.`,
      );
    }
    return module;
  }
}

function compile(file: string): Promise<string> {
  const conditions = userConditions();
  const dir = cacheDir();
  const key = `${file}\0${conditions.join(',')}\0${dir}`;
  const last = builds.get(key);
  if (last !== undefined && unchanged(last)) return Promise.resolve(last.url);
  let running = compiling.get(key);
  if (running === undefined) {
    running = build(file, conditions, dir, key).finally(() => compiling.delete(key));
    compiling.set(key, running);
  }
  return running;
}

async function build(file: string, conditions: string[], dir: string, key: string): Promise<string> {
  let esbuild: Esbuild;
  try {
    esbuild = (await import('esbuild')) as Esbuild;
  } catch (error) {
    throw new Error(`esbuild cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  ensurePrivateDir(dir);
  const outfile = join(dir, 'out.mjs'); // the directory matters (source map paths are relative to it), the name does not
  let result = await bundle(esbuild, file, outfile, conditions, undefined);
  let text = result.outputFiles[0]!.text;
  // esbuild's require() shim throws in an ES module: give the bundle a real require when CommonJS code needs one.
  if (text.includes('Dynamic require of')) {
    result = await bundle(
      esbuild,
      file,
      outfile,
      conditions,
      'import { createRequire as __minigunCreateRequire } from "node:module"; const require = __minigunCreateRequire(import.meta.url);',
    );
    text = result.outputFiles[0]!.text;
  }
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const target = join(dir, `${basename(file)}.${hash}.mjs`);
  if (exists(target)) {
    const now = new Date();
    utimesSync(target, now, now); // recently used: kept by the pruning below
  } else {
    const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, target);
    prune(dir);
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) => {
    const path = join(process.cwd(), p);
    const s = statSync(path);
    return [path, s.mtimeMs, s.size] as const;
  });
  const built: Built = { url: pathToFileURL(target).href, inputs };
  builds.set(key, built);
  return built.url;
}

function bundle(esbuild: Esbuild, file: string, outfile: string, conditions: string[], banner: string | undefined) {
  return esbuild.build({
    entryPoints: [file],
    outfile,
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    conditions,
    mainFields: ['main'], // what Node reads (esbuild's default for node adds "module")
    sourcemap: 'inline',
    sourcesContent: false,
    keepNames: true,
    logLevel: 'silent',
    absWorkingDir: process.cwd(),
    banner: banner === undefined ? undefined : { js: banner },
    // Read back by workers to name the .ts file, not this copy, in their errors (see compiledFrom).
    footer: { js: `${SOURCE_COMMENT}${pathToFileURL(file).href}` },
    plugins: [typescriptOnly()],
  });
}

const RESOLVING = Symbol('resolving');

/**
 * Bundles TypeScript files only. Any other import is resolved the way Node resolves it (esbuild's resolver
 * with Node's conditions) and left as an import of that file's URL; builtins stay as written. Inside a
 * bundled file, `import.meta.url`, `.filename` and `.dirname` are its own (so paths relative to the file
 * work), and so are `__filename` and `__dirname` where the file does not declare them.
 */
function typescriptOnly(): import('esbuild').Plugin {
  return {
    name: 'minigun-typescript-only',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === RESOLVING) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: RESOLVING,
          with: args.with,
        });
        if (r.errors.length > 0) {
          // Relative imports must resolve (esbuild reports them); a missing package fails where Node would, at import.
          return isRelative(args.path) ? undefined : { path: args.path, external: true };
        }
        if (r.external) return { path: args.path, external: true };
        if (TS_FILE.test(r.path) && !DECLARATION.test(r.path)) return { path: r.path };
        return { path: pathToFileURL(r.path).href, external: true };
      });
      build.onLoad({ filter: /\.(?:[cm]?ts|tsx)$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return { contents: ownLocation(source, args.path), loader: extname(args.path) === '.tsx' ? 'tsx' : 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Replaces the file-location expressions of `source` with the file's own values, on the same line (source maps stay right). */
function ownLocation(source: string, path: string): string {
  const values: Record<string, string> = { url: pathToFileURL(path).href, filename: path, dirname: dirname(path) };
  let out = source.replace(/\bimport\.meta\.(url|filename|dirname)\b(?!\s*=[^=])/g, (_, name: string) => JSON.stringify(values[name]));
  for (const [name, value] of [
    ['__filename', path],
    ['__dirname', dirname(path)],
  ] as const) {
    if (!new RegExp(`\\b${name}\\b`).test(out)) continue;
    if (declares(out, name)) continue;
    out = out.replace(new RegExp(`(?<![.\\w$'"\`])${name}\\b`, 'g'), JSON.stringify(value));
  }
  return out;
}

/** Whether `source` declares `name` itself (`const __dirname = …`, an import of that name, …). */
function declares(source: string, name: string): boolean {
  return new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b|\\bas\\s+${name}\\b|[{,]\\s*${name}\\s*[,}][^;\\n]*(?:=|\\bfrom\\b)`).test(source);
}

const isRelative = (spec: string): boolean => spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || spec.startsWith('/');

/** The `--conditions` the workers run with (from this process's flags and NODE_OPTIONS), as Node resolves with them. */
function userConditions(): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--conditions' || a === '-C') {
      if (args[i + 1] !== undefined) out.push(args[++i]!);
    } else if (a.startsWith('--conditions=')) out.push(a.slice('--conditions='.length));
    else if (a.startsWith('-C=')) out.push(a.slice(3));
  }
  return out;
}

function unchanged(built: Built): boolean {
  if (!exists(fileURLToPath(built.url))) return false;
  return built.inputs.every(([path, mtimeMs, size]) => {
    try {
      const s = statSync(path);
      return s.mtimeMs === mtimeMs && s.size === size;
    } catch {
      return false;
    }
  });
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The cache directory, created for this user only; one that another user owns is not used. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const s = statSync(dir);
  if (!s.isDirectory()) throw new Error(`the cache ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && s.uid !== uid) throw new Error(`the cache ${dir} belongs to another user (set MINIGUN_CACHE_DIR)`);
  if ((s.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Keeps the cache bounded: beyond MAX_FILES, the least recently used files older than KEEP_MS are removed. */
function prune(dir: string): void {
  try {
    const files = readdirSync(dir)
      .filter((f) => COMPILED_FILE.test(f))
      .map((f) => ({ path: join(dir, f), mtimeMs: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    const now = Date.now();
    for (const f of files.slice(MAX_FILES)) if (now - f.mtimeMs > KEEP_MS) unlinkSync(f.path);
  } catch {
    // another process pruned at the same time: nothing to do
  }
}
