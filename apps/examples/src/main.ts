/**
 * The example app's main job (for now inline only; later issues move the CPU work to a thread pool and the
 * reports to cow-fork children): audit the files of a directory — list them (producer), read and hash
 * them with async concurrency, batch them, and summarise per top-level folder.
 *
 *   npm start                  # audits this repository's packages/ folder
 *   npm start -- <directory>   # audits another directory
 *   npx minigun run src/main.ts [--state state.json] [--hud]   # through the CLI; state: { "root": "<dir>" }
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline, type RunResult } from '@minigun/core';
import { timingStats } from '@minigun/hooks';

interface FileInfo {
  path: string;
  folder: string;
  size: number;
  sha1: string;
}

interface AuditState {
  /** The directory to audit; default: this repository's packages/ folder (e.g. under `minigun run`). */
  root?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_ROOT = resolve(here, '../../../packages');
const SKIP = new Set(['node_modules', '.git', '.nx', 'dist', 'coverage']);

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

const timing = timingStats({ stages: ['read'] });

export const audit = pipeline<AuditState>('file-audit', { module: import.meta.url }, (p) => {
  p.use(timing.bundle);
  p.producer('list', (_out, ctx) => walk(ctx.state.root ?? DEFAULT_ROOT));
  p.processor('read', { concurrency: 16 }, async (path: string, _out, ctx): Promise<FileInfo> => {
    const data = await readFile(path);
    const rel = relative(ctx.state.root ?? DEFAULT_ROOT, path);
    return { path: rel, folder: rel.split(/[\\/]/)[0] ?? '.', size: data.length, sha1: createHash('sha1').update(data).digest('hex') };
  });
  p.batch(50);
  p.consumer('summarise', (files: FileInfo[], _out, ctx) => {
    for (const f of files) ctx.collect('files', f);
  });
});

function report(result: RunResult): void {
  const files = (result.collected.files ?? []) as FileInfo[];
  const byFolder = new Map<string, { files: number; bytes: number }>();
  const byHash = new Map<string, string[]>();
  for (const f of files) {
    const agg = byFolder.get(f.folder) ?? { files: 0, bytes: 0 };
    agg.files++;
    agg.bytes += f.size;
    byFolder.set(f.folder, agg);
    byHash.set(f.sha1, [...(byHash.get(f.sha1) ?? []), f.path]);
  }
  console.log(`\nAudited ${files.length} files in ${result.durationMs.toFixed(0)} ms (status: ${result.status})\n`);
  console.table([...byFolder].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10).map(([folder, a]) => ({ folder, files: a.files, kB: +(a.bytes / 1024).toFixed(1) })));
  const dupes = [...byHash.values()].filter((paths) => paths.length > 1);
  console.log(`Duplicate contents: ${dupes.length} groups${dupes.length > 0 ? `, e.g. ${dupes[0]!.slice(0, 3).join(', ')}` : ''}\n`);
  console.table(Object.values(result.stats.stages).map((s) => ({ stage: s.stage, strategy: s.strategy, in: s.in, out: s.out, failed: s.failed, 'p50 ms': s.latency.p50, 'items/s': Math.round(s.throughput) })));
  console.log(`Bottleneck: ${result.stats.bottleneck ?? '-'}; read stage was live for ${timing.report().stages.read?.durationMs?.toFixed(0) ?? '?'} ms`);
  for (const e of result.errors.slice(0, 5)) console.log(`error in ${e.stage ?? 'pipeline'}: ${e.message}`);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = resolve(process.argv[2] ?? DEFAULT_ROOT);
  const result = await audit.run({ state: { root } });
  report(result);
  const files = (result.collected.files ?? []).length;
  if (result.status !== 'completed' || files === 0) {
    console.error(`Audit failed: status ${result.status}, ${files} files`);
    process.exitCode = 1;
  }
}
