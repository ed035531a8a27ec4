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
 * Options (--help lists them): --runs=3, --only=small,large, --json (the report as one JSON document on
 * stdout, the progress and tables on stderr). Options, table layout and the exit code come from
 * @minigun/bench-harness (tests/bench-harness). Exit code 1 when a run failed or computed a wrong sum, 2 for
 * a bad option; never for slowness (the targets print PASS/FAIL only: the machine is shared and noisy).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Column, flag, fmtInt, fmtMs, fmtRatio, integer, median, parseArgs, printTable, runMain, subset } from '@minigun/bench-harness';

const OPTIONS = {
  runs: integer(3, 'timed runs of every variant, each a fresh process; the median is reported (at least 1)', { min: 1 }),
  only: subset(['small', 'large'], 'the workloads to run'),
  json: flag('the report as one JSON document on stdout; progress and tables on stderr'),
};

const one = fileURLToPath(new URL('./one.mjs', import.meta.url));

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

interface Figures {
  ms: number;
  recordsPerSec: number;
  maxRssMB: number;
}

async function main(): Promise<number> {
  const { runs, only, json } = parseArgs('node --import tsx bench/run.ts', OPTIONS);
  const log = (m: string): void => void (json ? process.stderr : process.stdout).write(`${m}\n`);
  let failed = false;
  const report: Record<string, Record<string, Figures>> = {};
  log(
    `tempfile transport bench — ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${runs} runs per variant (median)`,
  );
  for (const [name, w] of Object.entries(WORKLOADS)) {
    if (!only.has(name as keyof typeof WORKLOADS)) continue;
    const results: Record<string, Run[]> = {};
    for (let i = 0; i < runs; i++) {
      for (const v of w.variants) {
        let r: Run;
        try {
          const out = execFileSync(process.execPath, [one, name, v, JSON.stringify(w.state)], {
            encoding: 'utf8',
            env: { ...process.env, NODE_OPTIONS: '' },
            maxBuffer: 1 << 20,
          });
          r = JSON.parse(out.trim().split('\n').pop()!) as Run;
        } catch (e) {
          // A run that crashed fails the bench (exit code 1) like a wrong sum; the other runs go on.
          failed = true;
          log(`  ${name}/${v}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        if (r.status !== 'completed' || r.sum !== w.expected || r.errors.length > 0) {
          failed = true;
          log(`  ${name}/${v}: WRONG: status ${r.status}, sum ${r.sum} (expected ${w.expected}), errors ${r.errors.slice(0, 3).join('; ')}`);
        }
        (results[v] ??= []).push(r);
      }
    }
    const figures: Record<string, Figures> = {};
    report[name] = figures;
    log(`\n${name}: ${fmtInt(w.records)} records (${JSON.stringify(w.state)})`);
    for (const v of w.variants) {
      const ms = median((results[v] ?? []).map((r) => r.ms));
      figures[v] = { ms, recordsPerSec: (w.records / ms) * 1000, maxRssMB: median((results[v] ?? []).map((r) => r.maxRssMB)) };
    }
    const base = figures.channel!.ms;
    const columns: Column<string>[] = [
      { header: 'variant', width: 18, cell: (v) => v },
      { header: 'ms', width: 9, align: 'right', cell: (v) => fmtMs(figures[v]!.ms) },
      { header: 'records/s', width: 12, align: 'right', cell: (v) => fmtInt(Math.round(figures[v]!.recordsPerSec)) },
      { header: 'vs channel', width: 12, align: 'right', cell: (v) => fmtRatio(base / figures[v]!.ms) },
      { header: 'peak RSS MB', width: 13, align: 'right', cell: (v) => figures[v]!.maxRssMB.toFixed(0) },
    ];
    printTable(columns, w.variants, { indent: '  ', rule: false, print: log });
    const t = figures.tempfile!;
    const c = figures.channel!;
    if (name === 'small') log(`  target: tempfile >= 0.5x the channel's throughput: ${fmtRatio(c.ms / t.ms)} ${c.ms / t.ms >= 0.5 ? 'PASS' : 'FAIL'}`);
    else
      log(
        `  target: tempfile at least as fast (${fmtRatio(c.ms / t.ms)} ${c.ms / t.ms >= 1 ? 'PASS' : 'FAIL'}) with lower peak RSS (${t.maxRssMB.toFixed(0)} vs ${c.maxRssMB.toFixed(0)} MB: ${t.maxRssMB < c.maxRssMB ? 'PASS' : 'FAIL'})`,
      );
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return failed ? 1 : 0;
}

runMain(main);
