/**
 * Thread strategy benchmark: `npm run bench` (repo root, after the core bench) or, in packages/strategy-thread,
 * `node --import tsx bench/run.ts` (no --expose-gc: see exposeGc in @minigun/bench-harness). Imports the BUILT
 * @minigun/core and @minigun/strategy-thread (plain node resolves them to dist/), so build the libraries first.
 * Timing (warm-up, then interleaved timed rounds, GC before each run), options, tables and the exit code come
 * from @minigun/bench-harness (tests/bench-harness); the workloads, baselines and targets are here.
 *
 * Workloads (each variant must compute the same sum):
 *  - cpu:      64 inputs of recursive fib(30). Minigun: inline producer → `thread` processor (concurrency 2)
 *              → inline consumer summing. Baseline: raw tinypool, maxThreads 2, 64 pool.run() awaited together.
 *              Reference: raw tinypool with 1 thread (how much parallelism the machine really gives). Minigun
 *              also with maxChunk 1: the default sends the 64 inputs as two chunks of 32 (no load balancing).
 *  - dispatch: 20,000 trivial inputs (n → n + 1), same shapes; Minigun also with maxChunk 1 (no chunking).
 *  - setup:    2 trivial inputs: what a run costs before and after any work (pool start, worker import, teardown).
 *  - warm:     the cpu workload with `keepAlive`: the warm-up run starts the pool, the timed runs reuse it.
 *              Baseline: raw tinypool with a warm pool (created once, reused by every timed run).
 *  - small:    --small-runs (100) runs one after another of a 2-input pipeline, with `keepAlive` and
 *              without it (the baseline): what a service running many small pipelines pays.
 *  - hash:     I/O-bound async stage: read + sha256 of --hash-files (10,000) files under --hash-dir (the
 *              repository's node_modules). `thread` (2 threads) with perWorker 8, 32 and 1 (the default), a new
 *              pool per run (cold), and perWorker 8 and 1 with keepAlive (warm: the warm-up run starts the
 *              pool), against the same stage inline with concurrency 8 (the baseline). Reference: two raw
 *              worker threads started per run, each hashing half of the files with 8 lanes (raw-hash-worker.mjs):
 *              what two threads can do at all on this machine, with no pool and no message per input.
 *
 * Setup cost is counted on both sides: Minigun creates its pool in every run, so every timed raw-tinypool run
 * creates its pool too (minThreads = maxThreads, as Minigun does) and destroys it before the clock stops. The
 * setup workload shows that fixed cost on its own.
 *
 * Minigun runs twice per workload: with the pipelines in a TypeScript module (pipelines.ts, compiled once per
 * run in the parent, the workers import the JavaScript; the targets are judged here) and in a plain-JavaScript
 * module (pipelines-js.mjs). Same stage code in both (define-pipelines.mjs).
 *
 * Options (--help lists them): --json (one JSON document on stdout, progress on stderr), --runs=5,
 * --only=cpu,dispatch,setup, --fib-n=30, --fib-count=64, --dispatch-n=20000.
 * Exit code: 1 when a variant computed a wrong sum, threw, or a Minigun run did not complete; never for
 * slowness (this machine is shared and noisy: the targets are printed as PASS/FAIL only).
 */
import {
  type BaselineRatios,
  type Column,
  findVariant,
  flag,
  hasGc,
  integer,
  machine,
  type OptionSpec,
  machineLine,
  measureAgainstBaseline,
  msColumns,
  pairRatio,
  parseArgs,
  type ParsedArgs,
  poolSum,
  printTable,
  progressLog,
  range,
  rateColumns,
  ratioColumns,
  runForSum,
  runMain,
  subset,
  sumColumn,
  sumsLine,
  targetLine,
  type VariantResult,
  withoutLoaderFlags,
  type Workload,
  workloadHeading,
  type WorkloadResult,
  wrongSums,
} from '@minigun/bench-harness';
import { Registry } from '@minigun/core';
import { threadStrategies } from '@minigun/strategy-thread';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Tinypool from 'tinypool';
import { fib } from './fib.mjs';
import * as js from './pipelines-js.mjs';
import { fibPipeline, hashInline, hashThread, incPipeline } from './pipelines.js';

// ---- options ----------------------------------------------------------------------------------------

const OPTIONS = {
  json: flag('one JSON document on stdout, progress on stderr'),
  runs: integer(5, 'timed runs of every variant, after one warm-up (at least 1)', { min: 1 }),
  only: subset(['cpu', 'dispatch', 'setup', 'warm', 'small', 'hash'], 'the workloads to run'),
  smallRuns: integer(100, 'runs of the 2-input pipeline in one timed run of the small workload', { min: 1 }),
  hashFiles: integer(10_000, 'files of the hash workload (at most)', { min: 1 }),
  hashDir: text('', 'directory whose files the hash workload reads (default: the repository node_modules)'),
  fibN: integer(30, 'argument of every recursive fib of the cpu workload'),
  fibCount: integer(64, 'inputs of the cpu workload'),
  dispatchN: integer(20_000, 'trivial inputs of the dispatch workload'),
};

type Args = ParsedArgs<typeof OPTIONS>;

/** A free-text option (a path). */
function text(fallback: string, help: string): OptionSpec<string> {
  return { help, fallback, takesValue: true, parse: (raw) => raw, show: (v) => v };
}

// ---- raw tinypool baselines ---------------------------------------------------------------------------

const RAW_WORKER = new URL('./raw-worker.mjs', import.meta.url).href;

/**
 * Worker flags of the raw pool: this process's flags without loader flags (`--import tsx`), exactly like
 * Minigun's pool (src/loader-flags.ts). The raw worker is plain JavaScript and needs no loader.
 */
const rawExecArgv = (): string[] => withoutLoaderFlags(['--import', '--loader', '--experimental-loader']);

function createRawPool(threads: number): Tinypool {
  return new Tinypool({ filename: RAW_WORKER, minThreads: threads, maxThreads: threads, execArgv: rawExecArgv() });
}

/** A cold raw run: create the pool, run every input, destroy the pool (all inside the timing). */
const rawCold = (threads: number, name: 'fib' | 'inc', inputs: readonly number[]): Promise<number> => poolSum(createRawPool(threads), name, inputs);

// ---- workloads -------------------------------------------------------------------------------------------

const TS = '.ts module (compiled in the parent)';
const JS = '.mjs module';

function cpuWorkload(args: Args): Workload {
  const inputs = Array.from({ length: args.fibCount }, () => args.fibN);
  const registry = new Registry().use(threadStrategies());
  const unchunked = new Registry().use(threadStrategies({ maxChunk: 1 }));
  return {
    id: 'cpu',
    title: `${args.fibCount} × recursive fib(${args.fibN}), 2 worker threads`,
    items: args.fibCount,
    expected: args.fibCount * fib(args.fibN),
    variants: [
      { name: `minigun thread, ${TS}`, role: 'minigun', run: () => runForSum(fibPipeline, args.fibCount, args.fibN, registry) },
      { name: `minigun thread, ${JS}`, role: 'minigun', run: () => runForSum(js.fibPipeline, args.fibCount, args.fibN, registry) },
      // 64 inputs arrive at once, so the default splits them 32 + 32 in two messages; maxChunk 1 hands them out one by one like tinypool.
      { name: `minigun thread maxChunk 1, ${JS}`, role: 'minigun', run: () => runForSum(js.fibPipeline, args.fibCount, args.fibN, unchunked) },
      { name: 'raw tinypool, 2 threads', role: 'baseline', run: () => rawCold(2, 'fib', inputs) },
      { name: 'raw tinypool, 1 thread (reference)', role: 'reference', run: () => rawCold(1, 'fib', inputs) },
    ],
  };
}

function dispatchWorkload(args: Args): Workload {
  const n = args.dispatchN;
  const inputs = range(n);
  const chunked = new Registry().use(threadStrategies());
  const unchunked = new Registry().use(threadStrategies({ maxChunk: 1 }));
  return {
    id: 'dispatch',
    title: `${n.toLocaleString('en-US')} trivial inputs (n → n + 1), 2 worker threads`,
    items: n,
    expected: (n * (n + 1)) / 2,
    variants: [
      { name: `minigun thread, ${TS}`, role: 'minigun', run: () => runForSum(incPipeline, n, 0, chunked) },
      { name: `minigun thread, ${JS}`, role: 'minigun', run: () => runForSum(js.incPipeline, n, 0, chunked) },
      { name: `minigun thread maxChunk 1, ${TS}`, role: 'minigun', run: () => runForSum(incPipeline, n, 0, unchunked) },
      { name: 'raw tinypool, 2 threads', role: 'baseline', run: () => rawCold(2, 'inc', inputs) },
    ],
  };
}

function setupWorkload(): Workload {
  const registry = new Registry().use(threadStrategies());
  return {
    id: 'setup',
    title: '2 trivial inputs: pool start, worker set-up, teardown',
    items: 2,
    expected: 1 + 2,
    variants: [
      { name: `minigun thread, ${TS}`, role: 'minigun', run: () => runForSum(incPipeline, 2, 0, registry) },
      { name: `minigun thread, ${JS}`, role: 'minigun', run: () => runForSum(js.incPipeline, 2, 0, registry) },
      { name: 'raw tinypool, 2 threads', role: 'baseline', run: () => rawCold(2, 'inc', [0, 1]) },
    ],
  };
}

/** Raw tinypool with a warm pool: created on first use, reused by every run, destroyed at the end of the bench. */
const warmPools: Tinypool[] = [];
function rawWarm(threads: number): (name: 'fib' | 'inc', inputs: readonly number[]) => Promise<number> {
  let pool: Tinypool | undefined;
  return async (name, inputs) => {
    if (pool === undefined) warmPools.push((pool = createRawPool(threads)));
    const results = await Promise.all(inputs.map((n) => pool!.run(n, { name }) as Promise<number>));
    return results.reduce((a, b) => a + b, 0);
  };
}

function warmWorkload(args: Args): Workload {
  const inputs = Array.from({ length: args.fibCount }, () => args.fibN);
  const kept = new Registry().use(threadStrategies({ keepAlive: true }));
  const keptJs = new Registry().use(threadStrategies({ keepAlive: true }));
  const raw = rawWarm(2);
  return {
    id: 'warm',
    title: `${args.fibCount} × recursive fib(${args.fibN}), 2 worker threads kept between runs (the warm-up run starts them)`,
    items: args.fibCount,
    expected: args.fibCount * fib(args.fibN),
    variants: [
      { name: `minigun thread keepAlive, ${TS}`, role: 'minigun', run: () => runForSum(fibPipeline, args.fibCount, args.fibN, kept) },
      { name: `minigun thread keepAlive, ${JS}`, role: 'minigun', run: () => runForSum(js.fibPipeline, args.fibCount, args.fibN, keptJs) },
      { name: 'raw tinypool, 2 threads, warm pool', role: 'baseline', run: () => raw('fib', inputs) },
    ],
  };
}

function smallWorkload(args: Args): Workload {
  const kept = new Registry().use(threadStrategies({ keepAlive: true }));
  const cold = new Registry().use(threadStrategies());
  const many = async (registry: Registry): Promise<number> => {
    let sum = 0;
    for (let i = 0; i < args.smallRuns; i++) sum += await runForSum(incPipeline, 2, 0, registry);
    return sum;
  };
  return {
    id: 'small',
    title: `${args.smallRuns} runs one after another of a 2-input pipeline (${TS})`,
    items: 2 * args.smallRuns,
    expected: 3 * args.smallRuns,
    variants: [
      { name: 'minigun thread keepAlive', role: 'minigun', run: () => many(kept) },
      { name: 'minigun thread, new pool per run', role: 'baseline', run: () => many(cold) },
    ],
  };
}

/** Up to `max` regular files under `dir` (depth first), and the sum of their sizes. */
function listFiles(dir: string, max: number): { paths: string[]; bytes: number } {
  const paths: string[] = [];
  let bytes = 0;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (paths.length >= max) return;
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        paths.push(path);
        bytes += statSync(path).size;
      }
    }
  };
  walk(dir);
  return { paths, bytes };
}

function hashWorkload(args: Args): Workload {
  const dir = args.hashDir || fileURLToPath(new URL('../../../node_modules', import.meta.url));
  const { paths, bytes } = listFiles(dir, args.hashFiles);
  const perWorker = new Registry().use(threadStrategies({ perWorker: 8 }));
  const perWorker32 = new Registry().use(threadStrategies({ perWorker: 32 }));
  const single = new Registry().use(threadStrategies());
  // Warm: the pool is kept between runs (the warm-up run starts it), so the timed runs pay no thread start-up.
  const perWorkerKept = new Registry().use(threadStrategies({ perWorker: 8, keepAlive: true }));
  const singleKept = new Registry().use(threadStrategies({ keepAlive: true }));
  /** Two worker threads started for the run, each hashing half of the paths with 8 lanes (raw-hash-worker.mjs). */
  const rawThreads = async (): Promise<number> => {
    const halves = [paths.slice(0, paths.length >> 1), paths.slice(paths.length >> 1)];
    const sums = await Promise.all(
      halves.map(
        (half) =>
          new Promise<number>((resolve, reject) => {
            const worker = new Worker(new URL('./raw-hash-worker.mjs', import.meta.url), { workerData: half });
            worker.once('message', (sum: number) => void worker.terminate().then(() => resolve(sum), reject));
            worker.once('error', reject);
          }),
      ),
    );
    return sums[0]! + sums[1]!;
  };
  const hash = async (p: typeof hashThread, registry: Registry): Promise<number> => {
    const state = { paths, sum: 0 };
    const r = await p.run({ state, registry });
    if (r.status !== 'completed' || r.errors.length > 0) throw new Error(`${p.name}: ${r.status}, ${r.errors[0]?.message ?? ''}`);
    return state.sum;
  };
  return {
    id: 'hash',
    title: `read + sha256 of ${paths.length.toLocaleString('en-US')} files (${(bytes / 1e6).toFixed(0)} MB) under ${dir}`,
    items: paths.length,
    expected: bytes,
    variants: [
      { name: `minigun thread (2 threads) perWorker 8, ${TS}`, role: 'minigun', run: () => hash(hashThread, perWorker) },
      { name: `minigun thread (2 threads) perWorker 32, ${TS}`, role: 'minigun', run: () => hash(hashThread, perWorker32) },
      { name: `minigun thread (2 threads) perWorker 1 (default), ${TS}`, role: 'minigun', run: () => hash(hashThread, single) },
      { name: `minigun thread (2 threads) perWorker 8 keepAlive (warm), ${TS}`, role: 'minigun', run: () => hash(hashThread, perWorkerKept) },
      { name: `minigun thread (2 threads) perWorker 1 keepAlive (warm), ${TS}`, role: 'minigun', run: () => hash(hashThread, singleKept) },
      { name: 'minigun inline, concurrency 8', role: 'baseline', run: () => hash(hashInline, single) },
      { name: 'raw worker_threads, 2 threads × 8 lanes, half the files each (reference)', role: 'reference', run: rawThreads },
    ],
  };
}

// ---- output ------------------------------------------------------------------------------------------------

const fmtRate = (r: number): string => (Number.isFinite(r) ? Math.round(r).toLocaleString('en-US') : '-');

type Measured = WorkloadResult<VariantResult & BaselineRatios>;

function printWorkload(w: Measured, runs: number): void {
  console.log(workloadHeading(w.id, w.title, `warm-up + ${runs} runs`));
  const columns: Column<Measured['variants'][number]>[] = [
    { header: 'variant', width: 62, cell: (v) => v.name },
    ...msColumns(),
    ...rateColumns(fmtRate),
    ...ratioColumns(),
    sumColumn(w.expected),
  ];
  printTable(columns, w.variants);
}

interface Target {
  readonly label: string;
  readonly threshold: number;
  readonly ratioBest: number;
  readonly ratioMedian: number;
  readonly verdict: 'PASS' | 'FAIL';
}

function target(results: readonly Measured[], id: string, variant: string, threshold: number, label: string): Target | undefined {
  const v = findVariant(results, id, variant);
  if (v === undefined) return undefined;
  return { label, threshold, ratioBest: v.ratioBest, ratioMedian: v.ratioMedian, verdict: v.ratioBest >= threshold ? 'PASS' : 'FAIL' };
}

/** `variant` against another Minigun variant of the same workload: the other's time ÷ this one's (> 1: faster). */
function relative(results: readonly Measured[], id: string, variant: string, other: string, threshold: number, label: string): Target | undefined {
  const pair = pairRatio(results, id, variant, other);
  if (pair === undefined) return undefined;
  return { label, threshold, ratioBest: pair.best, ratioMedian: pair.median, verdict: pair.best >= threshold ? 'PASS' : 'FAIL' };
}

// ---- main --------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs('node --import tsx bench/run.ts', OPTIONS);
  const started = performance.now();
  const log = progressLog(args.json);
  const env = {
    ...machine({ load: true }),
    workerFlags: rawExecArgv().join(' '),
    gc: hasGc(),
    runs: args.runs,
    setupCost: 'cold on both sides: every timed run creates its pool and destroys it (Minigun per run, raw tinypool per timed run)',
  };
  if (process.execArgv.some((a) => a.startsWith('--expose-gc') || a.startsWith('--expose_gc'))) {
    console.error(
      'warning: --expose-gc is in execArgv; Minigun passes it to its Worker threads, which Node rejects, so the Minigun variants will fail. Run without it (this bench gets gc() via v8.setFlagsFromString).',
    );
  }
  if (!args.json) {
    console.log(`${machineLine('Minigun thread-strategy bench', env)} (workers: ${env.workerFlags || '(none)'})`);
    console.log(`gc between runs: ${env.gc ? 'yes (v8.setFlagsFromString)' : 'no'}`);
    console.log('ratio = variant tasks/s ÷ raw tinypool (2 threads) tasks/s (> 1: faster). Best and median of the timed runs.');
    console.log(
      'Setup cost counted on both sides (cold): each timed run creates its pool (Minigun: per run; raw tinypool: per timed run) and destroys it before the clock stops.',
    );
    if (!env.gc) console.log('note: no gc() available: garbage is not collected between runs');
  }

  const workloads: Workload[] = [];
  if (args.only.has('cpu')) workloads.push(cpuWorkload(args));
  if (args.only.has('dispatch')) workloads.push(dispatchWorkload(args));
  if (args.only.has('setup')) workloads.push(setupWorkload());
  if (args.only.has('warm')) workloads.push(warmWorkload(args));
  if (args.only.has('small')) workloads.push(smallWorkload(args));
  if (args.only.has('hash')) workloads.push(hashWorkload(args));

  const results: Measured[] = [];
  for (const w of workloads) {
    const r = await measureAgainstBaseline(w, { runs: args.runs, log });
    results.push(r);
    if (!args.json) printWorkload(r, args.runs);
  }

  // Judged on the TypeScript pipeline module (how the bench is written); the .mjs lines show the loader's share.
  const targets = [
    target(results, 'cpu', `minigun thread, ${TS}`, 0.9, 'CPU       minigun thread (.ts module) / raw tinypool 2 threads ≥ 0.9'),
    target(results, 'dispatch', `minigun thread, ${TS}`, 1.0, 'Dispatch  minigun thread (.ts module) / raw tinypool 2 threads ≥ 1.0'),
    target(results, 'cpu', `minigun thread, ${JS}`, 0.9, '  same, .mjs module (no tsx in workers), for comparison: CPU     '),
    target(results, 'dispatch', `minigun thread, ${JS}`, 1.0, '  same, .mjs module (no tsx in workers), for comparison: dispatch'),
    relative(
      results,
      'cpu',
      `minigun thread, ${TS}`,
      `minigun thread, ${JS}`,
      1 / 1.1,
      'TS CPU    minigun thread .ts module / .mjs module, cold ≥ 0.91 (within 1.1x)',
    ),
    relative(
      results,
      'setup',
      `minigun thread, ${TS}`,
      `minigun thread, ${JS}`,
      1 / 1.3,
      'TS setup  2-input run, .ts module / .mjs module ≥ 0.77 (within 1.3x)',
    ),
    target(
      results,
      'warm',
      `minigun thread keepAlive, ${TS}`,
      1 / 1.1,
      'Warm      minigun thread keepAlive (.ts) / raw tinypool warm pool ≥ 0.91 (within 1.1x)',
    ),
    target(results, 'small', 'minigun thread keepAlive', 5, `Small     ${args.smallRuns} runs: keepAlive / new pool per run ≥ 5`),
    target(results, 'hash', `minigun thread (2 threads) perWorker 8, ${TS}`, 1.0, 'Hash      thread 2 threads perWorker 8 / inline concurrency 8 ≥ 1.0'),
  ].filter((t): t is Target => t !== undefined);
  for (const pool of warmPools) await pool.destroy();
  const wrong = wrongSums(results);
  const elapsedS = (performance.now() - started) / 1000;

  if (args.json) {
    console.log(JSON.stringify({ env, workloads: results, targets, wrong, elapsedS }, null, 2));
  } else {
    const cpu = results.find((r) => r.id === 'cpu');
    const one = cpu?.variants.find((v) => v.name.startsWith('raw tinypool, 1 thread'));
    const two = cpu?.variants.find((v) => v.role === 'baseline');
    if (one !== undefined && two !== undefined)
      console.log(
        `\n  raw tinypool 2 threads vs 1 thread on this machine: ${(one.bestMs / two.bestMs).toFixed(2)}x faster (best), ${(one.medianMs / two.medianMs).toFixed(2)}x (median)`,
      );
    console.log('\nTargets (printed only; never fail the process)');
    for (const t of targets) console.log(targetLine(t.label, `${t.ratioBest.toFixed(2)}x`, `${t.ratioMedian.toFixed(2)}x`, t.verdict));
    console.log(sumsLine(wrong));
    console.log(`Total ${elapsedS.toFixed(1)} s.`);
  }
  return wrong.length === 0 ? 0 : 1;
}

runMain(main);
