/**
 * Workload 4: peak RSS of workload 1 in Minigun, each N in a fresh child process running bench/rss-child.ts.
 * The bounded queues should keep memory flat whatever N: the target is under 80 MB.
 *
 * Two modes, because the TypeScript loader is not free: under `--import tsx` Node 20 runs the module hooks
 * on a separate loader thread (its own V8 isolate), which alone lifts the floor to ~75 MB before any item
 * flows. So the child runs
 *  - `plain`: on plain node with this process's flags minus the tsx import, from a copy of rss-child.ts and
 *    the bench files it imports transpiled (TypeScript's transpileModule) into a temp dir, importing the
 *    built @minigun/core. This is what a user of the published package gets; the target is judged here.
 *  - `tsx`: with exactly this process's flags (`--expose-gc --import tsx`), for reference.
 * Each mode also runs N = 0 (load + empty run) to show its floor.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { RssReport } from '../rss-child.js';

export const RSS_TARGET_MB = 80;

export type RssMode = 'plain' | 'tsx';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const CHILD = join(BENCH_DIR, 'rss-child.ts');

/** This process's node flags without the tsx loader (`--import tsx`, `--import=tsx`, `--loader tsx`, …). */
export function flagsWithoutTsx(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--import' || a === '--loader' || a === '--experimental-loader' || a === '--require' || a === '-r') && /tsx/.test(argv[i + 1] ?? '')) {
      i++;
      continue;
    }
    if (/^--(import|loader|experimental-loader|require)=.*tsx/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Transpiles rss-child.ts and the relative modules it imports into a temp dir (same layout, `.js`), with
 * `@minigun/core` rewritten to the absolute URL of the module this process resolves it to (the built dist).
 * Returns the temp dir and the child's path in it.
 */
export function transpileChild(): { dir: string; entry: string } {
  const dir = mkdtempSync(join(tmpdir(), 'minigun-bench-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const coreUrl = import.meta.resolve('@minigun/core');
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false },
    }).outputText;
    const js = out.replace(/(from\s+|import\s*\(\s*)(['"])@minigun\/core\2/g, (_m, head: string, q: string) => `${head}${q}${coreUrl}${q}`);
    const target = join(dir, relative(BENCH_DIR, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
    for (const m of js.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)\.js['"]/g)) visit(resolve(dirname(file), `${m[1]}.ts`));
  };
  visit(CHILD);
  return { dir, entry: join(dir, 'rss-child.js') };
}

/**
 * Starts node on `script` with an IPC channel. On Linux a child started straight from this process inherits
 * its peak RSS: the kernel keeps the pre-exec high-water mark in ru_maxrss, so every child would report at
 * least this (tsx + TypeScript loaded) process's RSS. Going through `/bin/sh`, which forks node from its own
 * small image, gives the child a clean ru_maxrss; the child also reports /proc/self/status VmHWM (per
 * address space, reset by exec) as a cross-check.
 */
function startNode(script: string, execArgv: string[], args: string[]): ChildProcess {
  const stdio: ['ignore', 'ignore', 'inherit', 'ipc'] = ['ignore', 'ignore', 'inherit', 'ipc'];
  if (process.platform === 'win32') return fork(script, args, { execArgv, stdio });
  // Not `exec "$0"`: the shell must fork, so that node's ru_maxrss starts from the shell's image.
  return spawn('/bin/sh', ['-c', '"$0" "$@"; exit $?', process.execPath, ...execArgv, script, ...args], { stdio });
}

function runChild(script: string, execArgv: string[], n: number): Promise<RssReport> {
  return new Promise((resolvePromise, reject) => {
    let report: RssReport | undefined;
    const child = startNode(script, execArgv, [String(n)]);
    child.on('message', (m) => {
      report = m as RssReport;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report !== undefined) resolvePromise(report);
      else reject(new Error(`rss child for N=${n} exited with ${signal ?? code} without a report`));
    });
  });
}

export interface RssRow extends RssReport {
  readonly mode: RssMode;
  readonly flags: string;
}

/** Runs N = 0 then each of `ns`, one fresh child each, in both modes. Failures become rows with `error`. */
export async function measureRss(ns: readonly number[], onProgress?: (msg: string) => void): Promise<RssRow[]> {
  const rows: RssRow[] = [];
  const attempt = async (mode: RssMode, script: string, flags: string[], n: number): Promise<void> => {
    onProgress?.(`w4: ${mode} child N=${n}`);
    try {
      rows.push({ mode, flags: flags.join(' '), ...(await runChild(script, flags, n)) });
    } catch (e) {
      rows.push({
        mode,
        flags: flags.join(' '),
        n,
        ms: NaN,
        rate: NaN,
        maxRssMB: NaN,
        value: NaN,
        expected: NaN,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
  let built: { dir: string; entry: string } | undefined;
  try {
    built = transpileChild();
    for (const n of [0, ...ns]) await attempt('plain', built.entry, flagsWithoutTsx(), n);
  } catch (e) {
    rows.push({
      mode: 'plain',
      flags: flagsWithoutTsx().join(' '),
      n: 0,
      ms: NaN,
      rate: NaN,
      maxRssMB: NaN,
      value: NaN,
      expected: NaN,
      error: `transpiling the child failed: ${e instanceof Error ? e.message : String(e)}`,
    });
  } finally {
    if (built !== undefined) rmSync(built.dir, { recursive: true, force: true });
  }
  for (const n of [0, ...ns]) await attempt('tsx', CHILD, [...process.execArgv], n);
  return rows;
}
