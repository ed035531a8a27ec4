/**
 * The example app's main job: audit the files of a directory (by default this repository) and show every
 * kind of stage on the way.
 *
 *   list (producer, inline: walks the tree, announces the total for progress/ETA)
 *   → read     (inline, 16 async slots: I/O; refuses what it should not read, with a clear reason)
 *   → measure  (thread pool ×2: CPU — sha1 and gzip size)
 *   → batch    (accumulator: 50 files per batch, numbered)
 *   → report   (cow-fork ×2, transport 'tempfile': a fresh child per batch writes batch-NNN.csv and sends
 *               the batch's records back through its private tempfile)
 *   → summarise (inline: collects; afterRun writes summary.json and files.csv)
 *
 *   npm start                                  # audits this repository
 *   npm start -- <directory> [--out <dir>] [--max-bytes <n>]
 *   npx minigun run src/main.ts [--state state.json] [--progress|--hud]   # state: { "root", "outDir"?, "maxBytes"? }
 *
 * Output goes to --out (default: a fresh directory under the OS temp dir, printed at the end), never into
 * the audited tree. Files that cannot be audited (FIFOs and devices, dangling symlinks, symlink loops,
 * symlinks to directories, files that vanish, files above --max-bytes, unreadable ones) fail with a reason,
 * are listed in the summary, and the run completes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { isMain, pipeline, type ProgressEvent } from '@minigun/core';
import '@minigun/strategy-thread/register';
import '@minigun/strategy-fork/register';
import '@minigun/ipc-tempfile/register';
import { filesCsv, printSummary, summarise, type FileInfo } from './summary.js';

export interface AuditState {
  /** The directory to audit; default: this repository. */
  root?: string;
  /** Where reports and the summary go; default: a new directory under the OS temp dir (set in beforeRun). */
  outDir?: string;
  /** Files larger than this are not read (reported as failed). Default 32 MiB. */
  maxBytes?: number;
}

/** A listed entry (not yet stat'ed), or a directory that could not be listed. */
export type Listed = { path: string; abs: string; pkg: string } | { path: string; problem: string };

interface ReadFile {
  path: string;
  pkg: string;
  ext: string;
  data: Uint8Array;
}

interface Batch {
  seq: number;
  files: FileInfo[];
}

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_ROOT = resolve(here, '../../..');
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const SKIP = new Set(['node_modules', '.git', '.nx', 'dist', 'coverage']);

/** An audit failure for one file: the message says which file and why. */
export class AuditError extends Error {
  override name = 'AuditError';
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
  }
}

const errorCode = (error: unknown): string => String((error as { code?: unknown })?.code ?? 'unknown error');
const human = (n: number): string => (n < 1024 * 1024 ? `${n} bytes` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/** Walks `dir` into `into`; directories that cannot be listed become problem entries. */
async function walk(root: string, dir: string, parentPkg: string | undefined, into: Listed[]): Promise<void> {
  const rel = relative(root, dir) || '.';
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    into.push({ path: rel, problem: `cannot list this directory (${errorCode(error)}): ${(error as Error).message}` });
    return;
  }
  // A directory with a package.json starts a package; files above any package count under their top folder.
  const pkg = entries.some((e) => e.name === 'package.json' && e.isFile()) ? rel : parentPkg;
  for (const entry of entries) {
    if (SKIP.has(entry.name)) continue;
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, abs, pkg, into);
    else {
      const path = relative(root, abs);
      into.push({ path, abs, pkg: pkg ?? (path.includes(sep) ? path.split(sep)[0]! : '.') });
    }
  }
}

/** Lists the tree under `root` (everything but directories, which are walked, and SKIP). */
export async function listTree(root: string): Promise<Listed[]> {
  const into: Listed[] = [];
  await walk(root, root, undefined, into);
  return into;
}

/**
 * Reads one listed entry, refusing what an audit must not read: the read stage. Throws an AuditError that
 * names the file and says why (and what to do, where something can be done).
 */
export async function readForAudit(entry: Listed, maxBytes: number = DEFAULT_MAX_BYTES): Promise<ReadFile> {
  if ('problem' in entry) throw new AuditError(entry.path, entry.problem);
  const { path, abs } = entry;
  let info;
  try {
    info = await lstat(abs);
    if (info.isSymbolicLink()) {
      const target = await readlink(abs).catch(() => '?');
      try {
        info = await stat(abs);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ELOOP') throw new AuditError(path, `symlink loop (→ ${target}): not followed`);
        if (code === 'ENOENT') throw new AuditError(path, `dangling symlink (→ ${target}): its target does not exist`);
        throw error;
      }
      if (info.isDirectory()) throw new AuditError(path, `symlink to a directory (→ ${target}): not followed, it could loop back into the tree`);
    }
  } catch (error) {
    if (error instanceof AuditError) throw error;
    if (errorCode(error) === 'ENOENT') throw new AuditError(path, 'vanished after it was listed (ENOENT)');
    throw new AuditError(path, `cannot stat it (${errorCode(error)}): ${(error as Error).message}`);
  }
  if (!info.isFile()) {
    const kind = info.isFIFO()
      ? 'a FIFO'
      : info.isSocket()
        ? 'a socket'
        : info.isCharacterDevice()
          ? 'a character device'
          : info.isBlockDevice()
            ? 'a block device'
            : 'not a regular file';
    throw new AuditError(path, `${kind}: not read (reading it could block or never end)`);
  }
  if (info.size > maxBytes)
    throw new AuditError(path, `${human(info.size)} is above the limit of ${human(maxBytes)}: not read (raise it with --max-bytes or state.maxBytes)`);
  let data: Buffer;
  try {
    data = await readFile(abs);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw new AuditError(path, 'vanished while it was being read (ENOENT)');
    if (code === 'EACCES' || code === 'EPERM') throw new AuditError(path, `permission denied (${code}): audit as a user who can read it`);
    throw new AuditError(path, `read failed (${code}): ${(error as Error).message}`);
  }
  // Files that report no size (/proc) or grew while read.
  if (data.length > maxBytes) throw new AuditError(path, `${human(data.length)} read, above the limit of ${human(maxBytes)}`);
  return { path, pkg: entry.pkg, ext: extname(path).toLowerCase() || '(none)', data };
}

/** The CPU part, run in the thread pool: sha1 and gzip size. */
export function measure(f: ReadFile): FileInfo {
  return {
    path: f.path,
    pkg: f.pkg,
    ext: f.ext,
    size: f.data.byteLength,
    sha1: createHash('sha1').update(f.data).digest('hex'),
    gzipBytes: gzipSync(f.data).byteLength,
  };
}

const rootOf = (state: AuditState): string => resolve(state.root ?? DEFAULT_ROOT);
let batches = 0;

export const audit = pipeline<AuditState>('file-audit', { module: import.meta.url }, (p) => {
  p.beforeRun((ctx) => {
    const root = rootOf(ctx.state);
    if (!existsSync(root))
      throw new Error(`The directory to audit does not exist: ${root}. Pass an existing directory (npm start -- <dir>, or "root" in --state).`);
    if (!statSync(root).isDirectory()) throw new Error(`${root} is not a directory. Pass a directory to audit.`);
    // Decided before the first fork, so every child's state snapshot has it.
    ctx.state.outDir = resolve(ctx.state.outDir ?? mkdtempSync(join(tmpdir(), 'minigun-audit-')));
    batches = 0;
  });
  p.beforeRun(async (ctx) => {
    await mkdir(ctx.state.outDir!, { recursive: true });
    ctx.collect('outDir', ctx.state.outDir); // where the reports and the summary go (also in `minigun run --json`)
  });
  p.producer('list', async (out, ctx) => {
    const listed = await listTree(rootOf(ctx.state));
    out.total(listed.length);
    for (const entry of listed) await out.emit(entry);
  });
  p.processor('read', { concurrency: 16 }, (entry: Listed, _out, ctx) => readForAudit(entry, ctx.state.maxBytes ?? DEFAULT_MAX_BYTES));
  p.processor('measure', { strategy: 'thread', concurrency: 2 }, (f: ReadFile) => measure(f));
  p.accumulator('batch', { maxSize: 50 }, (files: FileInfo[]): Batch => ({ seq: ++batches, files }));
  p.processor('report', { strategy: 'cow-fork', concurrency: 2, transport: 'tempfile' }, async (batch: Batch, out, ctx) => {
    const file = join(ctx.state.outDir!, `batch-${String(batch.seq).padStart(3, '0')}.csv`);
    await writeFile(file, filesCsv(batch.files, []));
    ctx.collect('reports', file);
    // The batch's records go back to the parent through this child's tempfile, not the IPC pipe.
    for (const f of batch.files) await out.emit(f);
  });
  p.consumer('summarise', (f: FileInfo, _out, ctx) => {
    ctx.collect('files', f);
  });
  p.afterRun(async (ctx, result) => {
    if (ctx.state.outDir === undefined || !existsSync(ctx.state.outDir)) return;
    const summary = summarise(rootOf(ctx.state), result);
    await writeFile(join(ctx.state.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(ctx.state.outDir, 'files.csv'), filesCsv((result.collected.files ?? []) as FileInfo[], summary.failed));
  });
});

/** One progress line: on a terminal redrawn in place, otherwise appended. */
function showProgress(e: ProgressEvent): void {
  const s = e.stages;
  const failed = Object.values(s).reduce((a, st) => a + st.failed, 0);
  const eta = e.etaMs === undefined ? '' : `  eta ${(e.etaMs / 1000).toFixed(1)} s`;
  const line = `listed ${e.produced}/${e.total ?? '?'}  read ${s.read?.done ?? 0}  measured ${s.measure?.done ?? 0}  reported ${s.report?.done ?? 0} batches  failed ${failed}${eta}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K${e.final ? '\n' : ''}`);
  else console.error(line);
}

if (isMain(import.meta)) {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, 'max-bytes': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: npm start -- [directory] [--out <dir>] [--max-bytes <n>]`);
    process.exit(2);
  }
  if (args.values.help === true) {
    console.log('Usage: npm start -- [directory] [--out <dir>] [--max-bytes <n>]\nAudits the files under directory (default: this repository).');
    process.exit(0);
  }
  const root = resolve(args.positionals[0] ?? DEFAULT_ROOT);
  const maxBytes = args.values['max-bytes'] === undefined ? DEFAULT_MAX_BYTES : Number(args.values['max-bytes']);
  if (!Number.isFinite(maxBytes) || maxBytes < 0) {
    console.error(`--max-bytes must be a number of bytes, got "${args.values['max-bytes']}".`);
    process.exit(2);
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    console.error(`Audit failed: ${root} ${existsSync(root) ? 'is not a directory' : 'does not exist'}. Usage: npm start -- [directory]`);
    process.exit(2);
  }
  const state: AuditState = { root, outDir: args.values.out, maxBytes };
  console.error(`Auditing ${root} …`);
  const result = await audit.run({ state, handleSignals: true, progress: showProgress, progressIntervalMs: process.stderr.isTTY ? 250 : 1000 });
  const outDir = state.outDir ?? '(none)';
  if (result.status === 'completed') printSummary(summarise(root, result), result, outDir);
  else console.error(`Audit ${result.status}: ${result.error?.message ?? result.errors[0]?.message ?? 'no reason given'}`);
  process.exitCode = result.status === 'completed' ? 0 : result.status === 'cancelled' ? 130 : 1;
}
