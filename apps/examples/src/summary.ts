/**
 * The audit's summary: pure functions over what the pipeline collected, so that the entry (src/main.ts), its
 * afterRun hook (summary files, also under `minigun run`) and the tests share them.
 */
import type { RunResult } from '@minigun/core';

/** One audited file, as measured in the thread pool. */
export interface FileInfo {
  /** Relative to the audited root. */
  path: string;
  /** The nearest enclosing directory with a package.json (relative; '.' for the root), else the top folder. */
  pkg: string;
  ext: string;
  size: number;
  sha1: string;
  gzipBytes: number;
}

export interface FailedFile {
  path: string;
  reason: string;
}

export interface Summary {
  root: string;
  status: string;
  durationMs: number;
  files: number;
  bytes: number;
  gzipBytes: number;
  packages: Array<{ pkg: string; files: number; bytes: number; gzipBytes: number; ratio: number }>;
  duplicates: Array<{ sha1: string; size: number; paths: string[] }>;
  extensions: Array<{ ext: string; files: number; bytes: number; gzipBytes: number; ratio: number }>;
  failed: FailedFile[];
  reports: string[];
}

const ratio = (gzip: number, bytes: number): number => (bytes === 0 ? 1 : +(gzip / bytes).toFixed(3));

/** Builds the summary from a finished run. `files` and `reports` are the collected values; failures come from `errors`. */
export function summarise(root: string, result: RunResult): Summary {
  const files = (result.collected.files ?? []) as FileInfo[];
  const byPkg = new Map<string, { files: number; bytes: number; gzipBytes: number }>();
  const byExt = new Map<string, { files: number; bytes: number; gzipBytes: number }>();
  const byHash = new Map<string, FileInfo[]>();
  for (const f of files) {
    for (const [map, key] of [
      [byPkg, f.pkg],
      [byExt, f.ext],
    ] as const) {
      const a = map.get(key) ?? { files: 0, bytes: 0, gzipBytes: 0 };
      a.files++;
      a.bytes += f.size;
      a.gzipBytes += f.gzipBytes;
      map.set(key, a);
    }
    byHash.set(f.sha1, [...(byHash.get(f.sha1) ?? []), f]);
  }
  const failed = result.errors
    .filter((e) => e.kind === 'item')
    .map((e) => {
      const path = typeof e.input === 'object' && e.input !== null && 'path' in e.input ? String((e.input as { path: unknown }).path) : String(e.input);
      return { path, reason: e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message };
    });
  for (const e of result.errors.filter((x) => x.kind !== 'item'))
    failed.push({ path: `(${e.kind}${e.hook === undefined ? '' : ` ${e.hook}`})`, reason: e.message });
  const bytes = files.reduce((a, f) => a + f.size, 0);
  const gzipBytes = files.reduce((a, f) => a + f.gzipBytes, 0);
  return {
    root,
    status: result.status,
    durationMs: Math.round(result.durationMs),
    files: files.length,
    bytes,
    gzipBytes,
    packages: [...byPkg].map(([pkg, a]) => ({ pkg, ...a, ratio: ratio(a.gzipBytes, a.bytes) })).sort((a, b) => b.bytes - a.bytes),
    duplicates: [...byHash.values()]
      .filter((g) => g.length > 1)
      .map((g) => ({ sha1: g[0]!.sha1, size: g[0]!.size, paths: g.map((f) => f.path).sort() }))
      .sort((a, b) => b.size * b.paths.length - a.size * a.paths.length),
    extensions: [...byExt].map(([ext, a]) => ({ ext, ...a, ratio: ratio(a.gzipBytes, a.bytes) })).sort((a, b) => b.bytes - a.bytes),
    failed: failed.sort((a, b) => a.path.localeCompare(b.path)),
    reports: ((result.collected.reports ?? []) as string[]).slice().sort(),
  };
}

const csvCell = (v: string | number): string => (typeof v === 'number' || !/[",\n]/.test(v) ? String(v) : `"${v.replace(/"/g, '""')}"`);

/** One CSV row per audited file (with its duplicate group size) and per failed file. */
export function filesCsv(files: readonly FileInfo[], failed: readonly FailedFile[]): string {
  const copies = new Map<string, number>();
  for (const f of files) copies.set(f.sha1, (copies.get(f.sha1) ?? 0) + 1);
  const rows: Array<Array<string | number>> = [['path', 'package', 'ext', 'bytes', 'gzip_bytes', 'ratio', 'sha1', 'copies', 'error']];
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path)))
    rows.push([f.path, f.pkg, f.ext, f.size, f.gzipBytes, ratio(f.gzipBytes, f.size), f.sha1, copies.get(f.sha1) ?? 1, '']);
  for (const f of failed) rows.push([f.path, '', '', '', '', '', '', '', f.reason]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

const kB = (n: number): number => +(n / 1024).toFixed(1);

/** Prints the summary tables (for the terminal). */
export function printSummary(s: Summary, result: RunResult, outDir: string): void {
  console.log(
    `\nAudited ${s.files} files (${kB(s.bytes)} kB, gzip ${kB(s.gzipBytes)} kB) under ${s.root} in ${s.durationMs} ms; status ${s.status}; ${s.failed.length} failed`,
  );
  console.log('\nLargest packages');
  console.table(s.packages.slice(0, 10).map((p) => ({ package: p.pkg, files: p.files, kB: kB(p.bytes), 'gzip kB': kB(p.gzipBytes), ratio: p.ratio })));
  console.log('Compression ratio by extension (gzip / raw; lower compresses better)');
  console.table(s.extensions.slice(0, 8).map((e) => ({ ext: e.ext, files: e.files, kB: kB(e.bytes), ratio: e.ratio })));
  console.log(`Duplicate contents: ${s.duplicates.length} groups`);
  if (s.duplicates.length > 0)
    console.table(
      s.duplicates
        .slice(0, 8)
        .map((d) => ({ copies: d.paths.length, bytes: d.size, paths: d.paths.slice(0, 3).join(', ') + (d.paths.length > 3 ? ', …' : '') })),
    );
  if (s.failed.length > 0) {
    console.log(`Failed files: ${s.failed.length}`);
    console.table(s.failed.slice(0, 20).map((f) => ({ path: f.path, reason: f.reason })));
  }
  console.log('Stages');
  console.table(
    Object.values(result.stats.stages).map((st) => ({
      stage: st.stage,
      strategy: st.strategy,
      conc: st.concurrency,
      in: st.in,
      done: st.done,
      failed: st.failed,
      out: st.out,
      'p50 ms': +st.latency.p50.toFixed(2),
      'items/s': Math.round(st.throughput),
    })),
  );
  console.log(`Bottleneck: ${result.stats.bottleneck ?? '-'}`);
  console.log(`Batch reports: ${s.reports.length} (written by cow-fork children) in ${outDir}`);
  console.log(`Summary: ${outDir}/summary.json, ${outDir}/files.csv`);
}
