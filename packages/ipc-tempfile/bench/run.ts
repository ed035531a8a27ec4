/**
 * Tempfile transport benchmark: `npm run bench` (repo root) or, here, `node --import tsx bench/run.ts`.
 * Uses the BUILT packages (build first). Every timed run is a fresh `node one.mjs` process (no loader), so
 * that its peak RSS (maxRSS) is its own; variants are interleaved run by run and the median is reported.
 *
 *  - small: 100,000 records of about 100 bytes (1,000 inputs × 100 emits) from 2 `ipc-fork` workers.
 *    Target: tempfile throughput at least 0.5× the channel's.
 *  - large: 200 records of 1 MB (20 inputs × 10 emits) from 2 `cow-fork` children at a time.
 *    Target: tempfile at least as fast as the channel, and the parent's peak RSS lower.
 *
 * Options: --runs=3, --only=small,large, --json. Exit code 1 when a run failed or computed a wrong sum;
 * never for slowness (the targets print PASS/FAIL only: the machine is shared and noisy).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmtMs, fmtRatio, lpad, median, pad } from '../../core/bench/measure.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const runs = Number(flag('runs', '3'));
const only = new Set(flag('only', 'small,large').split(','));
const json = argv.includes('--json');
const one = fileURLToPath(new URL('./one.mjs', import.meta.url));
const log = (m: string): void => void (json ? process.stderr : process.stdout).write(`${m}\n`);

interface Run {
  ms: number;
  sum: number;
  status: string;
  errors: string[];
  maxRssMB: number;
}

const WORKLOADS = {
  small: {
    state: { inputs: 1000, per: 100, size: 80 },
    expected: 1000 * ((100 * 101) / 2),
    records: 100_000,
    variants: ['channel', 'tempfile', 'tempfile-shared'],
  },
  large: { state: { inputs: 20, per: 10, bytes: 1 << 20 }, expected: 200, records: 200, variants: ['channel', 'tempfile', 'tempfile-shared'] },
} as const;

let failed = false;
const report: Record<string, Record<string, { ms: number; recordsPerSec: number; maxRssMB: number }>> = {};
log(
  `tempfile transport bench — ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ${runs} runs per variant (median)`,
);
for (const [name, w] of Object.entries(WORKLOADS)) {
  if (!only.has(name)) continue;
  const results: Record<string, Run[]> = {};
  for (let i = 0; i < runs; i++) {
    for (const v of w.variants) {
      const out = execFileSync(process.execPath, [one, name, v, JSON.stringify(w.state)], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
        maxBuffer: 1 << 20,
      });
      const r = JSON.parse(out.trim().split('\n').pop()!) as Run;
      if (r.status !== 'completed' || r.sum !== w.expected || r.errors.length > 0) {
        failed = true;
        log(`  ${name}/${v}: WRONG: status ${r.status}, sum ${r.sum} (expected ${w.expected}), errors ${r.errors.slice(0, 3).join('; ')}`);
      }
      (results[v] ??= []).push(r);
    }
  }
  report[name] = {};
  log(`\n${name}: ${w.records.toLocaleString('en')} records (${JSON.stringify(w.state)})`);
  log(`  ${pad('variant', 18)}${lpad('ms', 9)}${lpad('records/s', 12)}${lpad('vs channel', 12)}${lpad('peak RSS MB', 13)}`);
  const base = median(results.channel!.map((r) => r.ms));
  for (const v of w.variants) {
    const ms = median(results[v]!.map((r) => r.ms));
    const rss = median(results[v]!.map((r) => r.maxRssMB));
    report[name][v] = { ms, recordsPerSec: (w.records / ms) * 1000, maxRssMB: rss };
    log(
      `  ${pad(v, 18)}${lpad(fmtMs(ms), 9)}${lpad(Math.round((w.records / ms) * 1000).toLocaleString('en'), 12)}${lpad(fmtRatio(base / ms), 12)}${lpad(rss.toFixed(0), 13)}`,
    );
  }
  const t = report[name].tempfile!;
  const c = report[name].channel!;
  if (name === 'small') log(`  target: tempfile >= 0.5x the channel's throughput: ${fmtRatio(c.ms / t.ms)} ${c.ms / t.ms >= 0.5 ? 'PASS' : 'FAIL'}`);
  else
    log(
      `  target: tempfile at least as fast (${fmtRatio(c.ms / t.ms)} ${c.ms / t.ms >= 1 ? 'PASS' : 'FAIL'}) with lower peak RSS (${t.maxRssMB.toFixed(0)} vs ${c.maxRssMB.toFixed(0)} MB: ${t.maxRssMB < c.maxRssMB ? 'PASS' : 'FAIL'})`,
    );
}
if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
