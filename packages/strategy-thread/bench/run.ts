/**
 * Thread strategy benchmark: `npm run bench` (repo root, after the core bench) or, in packages/strategy-thread,
 * `node --import tsx bench/run.ts` (no --expose-gc: see exposeGc in core/bench/measure.ts). Imports the BUILT @minigun/core and @minigun/strategy-thread
 * (plain node resolves them to dist/), so build the libraries first.
 *
 * Workloads (each variant must compute the same sum):
 *  - cpu:      64 inputs of recursive fib(30). Minigun: inline producer → `thread` processor (concurrency 2)
 *              → inline consumer summing. Baseline: raw tinypool, maxThreads 2, 64 pool.run() awaited together.
 *              Reference: raw tinypool with 1 thread (how much parallelism the machine really gives). Minigun
 *              also with maxChunk 1: the default sends the 64 inputs as two chunks of 32 (no load balancing).
 *  - dispatch: 20,000 trivial inputs (n → n + 1), same shapes; Minigun also with maxChunk 1 (no chunking).
 *  - setup:    2 trivial inputs: what a run costs before and after any work (pool start, worker import, teardown).
 *
 * Setup cost is counted on both sides: Minigun creates its pool in every run, so every timed raw-tinypool run
 * creates its pool too (minThreads = maxThreads, as Minigun does) and destroys it before the clock stops. The
 * setup workload shows that fixed cost on its own.
 *
 * Minigun runs twice per workload: with the pipelines in a TypeScript module (pipelines.ts, so each worker
 * registers tsx to import it; the targets are judged here) and in a plain-JavaScript module (pipelines-js.mjs,
 * no loader in the workers, like the raw tinypool worker). Same stage code in both (define-pipelines.mjs).
 *
 * Options: --json (one JSON document on stdout, progress on stderr), --runs=5, --only=cpu,dispatch,setup,
 * --fib-n=30, --fib-count=64, --dispatch-n=20000.
 * Exit code: 1 when a variant computed a wrong sum, threw, or a Minigun run did not complete; never for
 * slowness (this machine is shared and noisy: the targets are printed as PASS/FAIL only).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { Registry } from '@minigun/core';
import { threadStrategies } from '@minigun/strategy-thread';
import Tinypool from 'tinypool';
import { exposeGc, fmtMs, fmtRatio, lpad, median, pad } from '../../core/bench/measure.js';
import { fib } from './fib.mjs';
import * as js from './pipelines-js.mjs';
import { fibPipeline, incPipeline, runForSum } from './pipelines.js';

// ---- options ----------------------------------------------------------------------------------------

interface Args {
  json: boolean;
  runs: number;
  only: Set<string>;
  fibN: number;
  fibCount: number;
  dispatchN: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, runs: 5, only: new Set(['cpu', 'dispatch', 'setup']), fibN: 30, fibCount: 64, dispatchN: 20_000 };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${key} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const x = Number(v.replaceAll('_', ''));
      if (!Number.isSafeInteger(x) || x < 0) throw new Error(`${key}: expected a non-negative integer, got "${v}"`);
      return x;
    };
    switch (key) {
      case '--json':
        args.json = true;
        break;
      case '--runs':
        args.runs = Math.max(1, int(value()));
        break;
      case '--only':
        args.only = new Set(
          value()
            .split(',')
            .map((s) => s.trim()),
        );
        break;
      case '--fib-n':
        args.fibN = int(value());
        break;
      case '--fib-count':
        args.fibCount = int(value());
        break;
      case '--dispatch-n':
        args.dispatchN = int(value());
        break;
      case '--help':
      case '-h':
        console.log('node --import tsx bench/run.ts [--json] [--runs=5] [--only=cpu,dispatch,setup] [--fib-n=30] [--fib-count=64] [--dispatch-n=20000]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${key} (try --help)`);
    }
  }
  return args;
}

// ---- raw tinypool baselines ---------------------------------------------------------------------------

const RAW_WORKER = new URL('./raw-worker.mjs', import.meta.url).href;

/**
 * Worker flags of the raw pool: this process's flags without loader flags (`--import tsx`), exactly like
 * Minigun's pool (src/loader-flags.ts). The raw worker is plain JavaScript and needs no loader.
 */
function rawExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const loader = new Set(['--import', '--loader', '--experimental-loader']);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (loader.has(a)) {
      i++;
      continue;
    }
    if ([...loader].some((f) => a.startsWith(`${f}=`))) continue;
    out.push(a);
  }
  return out;
}

function createRawPool(threads: number): Tinypool {
  return new Tinypool({ filename: RAW_WORKER, minThreads: threads, maxThreads: threads, execArgv: rawExecArgv() });
}

/** `inputs.length` pool.run() calls awaited together, on the given pool; returns the sum of the results. */
async function runAll(pool: Tinypool, name: 'fib' | 'inc', inputs: readonly number[]): Promise<number> {
  const results = (await Promise.all(inputs.map((x) => pool.run(x, { name })))) as number[];
  let sum = 0;
  for (const r of results) sum += r;
  return sum;
}

/** A cold raw run: create the pool, run every input, destroy the pool (all inside the timing). */
async function rawCold(threads: number, name: 'fib' | 'inc', inputs: readonly number[]): Promise<number> {
  const pool = createRawPool(threads);
  try {
    return await runAll(pool, name, inputs);
  } finally {
    await pool.destroy();
  }
}

// ---- timing ---------------------------------------------------------------------------------------------

interface Variant {
  readonly name: string;
  /** `minigun` rows are checked against the targets; the `baseline` is the denominator of every ratio. */
  readonly role: 'minigun' | 'baseline' | 'reference';
  readonly run: () => Promise<number>;
}

interface Workload {
  readonly id: string;
  readonly title: string;
  /** Inputs per run (for tasks/s). */
  readonly items: number;
  readonly expected: number;
  readonly variants: readonly Variant[];
}

interface VariantResult {
  readonly name: string;
  readonly role: Variant['role'];
  /** Wall-clock ms of each timed run, in run order. */
  readonly times: number[];
  readonly bestMs: number;
  readonly medianMs: number;
  /** Inputs per second of the best and the median run. */
  readonly bestRate: number;
  readonly medianRate: number;
  /** Variant rate / baseline rate (> 1: faster than raw tinypool with 2 threads), from the best and the median runs. */
  readonly ratioBest: number;
  readonly ratioMedian: number;
  readonly value: number;
  readonly correct: boolean;
  readonly error?: string;
}

interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  readonly items: number;
  readonly expected: number;
  readonly variants: VariantResult[];
}

const gc = exposeGc();

/** Warms every variant up once, then times `runs` interleaved rounds (a burst of load hits all variants alike). */
async function measure(w: Workload, runs: number, log: (msg: string) => void): Promise<WorkloadResult> {
  const state = w.variants.map((v) => ({ v, times: [] as number[], value: w.expected, correct: true, error: undefined as string | undefined }));
  for (let round = 0; round <= runs; round++) {
    log(round === 0 ? `${w.id}: warm-up` : `${w.id}: round ${round}/${runs}`);
    for (const s of state) {
      if (s.error !== undefined) continue;
      try {
        gc?.();
        const t0 = performance.now();
        const value = await s.v.run();
        const ms = performance.now() - t0;
        if (value !== w.expected && s.correct) {
          s.correct = false;
          s.value = value;
        }
        if (round > 0) s.times.push(ms);
      } catch (e) {
        s.error = e instanceof Error ? e.message : String(e);
        s.correct = false;
        s.value = NaN;
      }
    }
  }
  const rows = state.map((s) => {
    const bestMs = s.times.length > 0 ? Math.min(...s.times) : NaN;
    const medianMs = s.times.length > 0 ? median(s.times) : NaN;
    return { s, bestMs, medianMs, bestRate: w.items / (bestMs / 1000), medianRate: w.items / (medianMs / 1000) };
  });
  const base = rows.find((r) => r.s.v.role === 'baseline');
  return {
    id: w.id,
    title: w.title,
    items: w.items,
    expected: w.expected,
    variants: rows.map((r) => ({
      name: r.s.v.name,
      role: r.s.v.role,
      times: r.s.times.map((t) => Math.round(t * 10) / 10),
      bestMs: r.bestMs,
      medianMs: r.medianMs,
      bestRate: r.bestRate,
      medianRate: r.medianRate,
      ratioBest: base === undefined ? NaN : r.bestRate / base.bestRate,
      ratioMedian: base === undefined ? NaN : r.medianRate / base.medianRate,
      value: r.s.value,
      correct: r.s.correct,
      ...(r.s.error === undefined ? {} : { error: r.s.error }),
    })),
  };
}

// ---- workloads -------------------------------------------------------------------------------------------

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const TS = 'pipeline module .ts: tsx in workers';
const JS = 'pipeline module .mjs';

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

// ---- output ------------------------------------------------------------------------------------------------

const fmtRate = (r: number): string => (Number.isFinite(r) ? Math.round(r).toLocaleString('en-US') : '-');

function printWorkload(w: WorkloadResult, runs: number): void {
  console.log(`\n${w.id.toUpperCase()}  ${w.title}  (warm-up + ${runs} runs)`);
  const header = [
    pad('variant', 62),
    lpad('best ms', 8),
    lpad('median ms', 10),
    lpad('best tasks/s', 13),
    lpad('median t/s', 11),
    lpad('ratio best', 11),
    lpad('ratio med.', 11),
    '  sum',
  ].join('');
  console.log(header);
  console.log('-'.repeat(header.length + 4));
  for (const v of w.variants) {
    const sum = v.error !== undefined ? `ERROR: ${v.error}` : v.correct ? 'ok' : `WRONG (${v.value} ≠ ${w.expected})`;
    const ratioBest = v.role === 'baseline' ? '(1.00)' : fmtRatio(v.ratioBest);
    const ratioMedian = v.role === 'baseline' ? '(1.00)' : fmtRatio(v.ratioMedian);
    console.log(
      [
        pad(v.name, 62),
        lpad(fmtMs(v.bestMs), 8),
        lpad(fmtMs(v.medianMs), 10),
        lpad(fmtRate(v.bestRate), 13),
        lpad(fmtRate(v.medianRate), 11),
        lpad(ratioBest, 11),
        lpad(ratioMedian, 11),
        `  ${sum}`,
      ].join(''),
    );
  }
}

interface Target {
  readonly label: string;
  readonly threshold: number;
  readonly ratioBest: number;
  readonly ratioMedian: number;
  readonly verdict: 'PASS' | 'FAIL';
}

function target(results: readonly WorkloadResult[], id: string, variant: string, threshold: number, label: string): Target | undefined {
  const v = results.find((r) => r.id === id)?.variants.find((x) => x.name === variant);
  if (v === undefined) return undefined;
  return { label, threshold, ratioBest: v.ratioBest, ratioMedian: v.ratioMedian, verdict: v.ratioBest >= threshold ? 'PASS' : 'FAIL' };
}

// ---- main --------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const log = (msg: string): void => {
    if (args.json) process.stderr.write(`${msg}\n`);
  };
  const env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    flags: process.execArgv.join(' '),
    workerFlags: rawExecArgv().join(' '),
    gc: gc !== undefined,
    runs: args.runs,
    setupCost: 'cold on both sides: every timed run creates its pool and destroys it (Minigun per run, raw tinypool per timed run)',
  };
  if (process.execArgv.some((a) => a.startsWith('--expose-gc') || a.startsWith('--expose_gc'))) {
    console.error(
      'warning: --expose-gc is in execArgv; Minigun passes it to its Worker threads, which Node rejects, so the Minigun variants will fail. Run without it (this bench gets gc() via v8.setFlagsFromString).',
    );
  }
  if (!args.json) {
    console.log(
      `Minigun thread-strategy bench — node ${env.node}, ${env.cpus} × ${env.cpu}, ${env.totalMemGB} GB, load ${env.loadavg.join(' ')}, flags: ${env.flags || '(none)'} (workers: ${env.workerFlags || '(none)'})`,
    );
    console.log(`gc between runs: ${gc === undefined ? 'no' : 'yes (v8.setFlagsFromString)'}`);
    console.log('ratio = variant tasks/s ÷ raw tinypool (2 threads) tasks/s (> 1: faster). Best and median of the timed runs.');
    console.log(
      'Setup cost counted on both sides (cold): each timed run creates its pool (Minigun: per run; raw tinypool: per timed run) and destroys it before the clock stops.',
    );
    if (gc === undefined) console.log('note: no gc() available: garbage is not collected between runs');
  }

  const workloads: Workload[] = [];
  if (args.only.has('cpu')) workloads.push(cpuWorkload(args));
  if (args.only.has('dispatch')) workloads.push(dispatchWorkload(args));
  if (args.only.has('setup')) workloads.push(setupWorkload());

  const results: WorkloadResult[] = [];
  for (const w of workloads) {
    const r = await measure(w, args.runs, log);
    results.push(r);
    if (!args.json) printWorkload(r, args.runs);
  }

  // Judged on the TypeScript pipeline module (how the bench is written); the .mjs lines show the loader's share.
  const targets = [
    target(results, 'cpu', `minigun thread, ${TS}`, 0.9, 'CPU       minigun thread (.ts module) / raw tinypool 2 threads ≥ 0.9'),
    target(results, 'dispatch', `minigun thread, ${TS}`, 1.0, 'Dispatch  minigun thread (.ts module) / raw tinypool 2 threads ≥ 1.0'),
    target(results, 'cpu', `minigun thread, ${JS}`, 0.9, '  same, .mjs module (no tsx in workers), for comparison: CPU     '),
    target(results, 'dispatch', `minigun thread, ${JS}`, 1.0, '  same, .mjs module (no tsx in workers), for comparison: dispatch'),
  ].filter((t): t is Target => t !== undefined);
  const wrong = results.flatMap((w) => w.variants.filter((v) => !v.correct).map((v) => `${w.id} / ${v.name}: ${v.error ?? `sum ${v.value} ≠ ${w.expected}`}`));
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
    for (const t of targets) console.log(`  ${t.label}: ${t.ratioBest.toFixed(2)}x best, ${t.ratioMedian.toFixed(2)}x median → ${t.verdict}`);
    console.log(wrong.length === 0 ? '\nAll variants computed the expected sums.' : `\nWRONG RESULTS:\n  ${wrong.join('\n  ')}`);
    console.log(`Total ${elapsedS.toFixed(1)} s.`);
  }
  return wrong.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  },
);
