/**
 * Fork strategies benchmark: `npm run bench` (repo root, after the core and thread benches) or, in
 * packages/strategy-fork, `node --import tsx bench/run.ts` (no --expose-gc needed: see exposeGc in
 * @minigun/bench-harness). Imports the BUILT @minigun/core and @minigun/strategy-fork (plain node resolves them
 * to dist/), so build the libraries first. Timing (warm-up, then interleaved timed rounds, GC before each
 * run), options, tables and the exit code come from @minigun/bench-harness (tests/bench-harness); the
 * workloads, baselines, children's environment and CPU, targets and the leftover-children check are here.
 *
 * Workloads (each variant must compute the same sum):
 *  - cow:      `cow-fork` per-input cost: N trivial inputs (n → n + 1, default 200), concurrency 2. Baseline:
 *              N × (child_process.fork of raw-child.mjs, send one message, get one reply, the child exits),
 *              two lanes at a time, each lane waiting for its child's exit before it forks the next.
 *  - spares:   `cow-fork`, 40 inputs that each wait 50 ms (setTimeout), concurrency 2: default spares
 *              (= concurrency) against `forkStrategies({ spares: 0 })` (the baseline).
 *  - forkserver, forkserver-heavy: `cow-fork` start methods, N trivial inputs, concurrency 2: start
 *              'forkserver' against start 'spawn' (the baseline), with the trivial module and with one whose
 *              import takes 200 ms (pipelines-heavy.mjs).
 *  - dispatch: `ipc-fork`, 20,000 trivial inputs, concurrency 2. Baseline: raw tinypool, runtime
 *              'child_process', maxThreads 2, 20,000 pool.run() awaited together. With --extra, also Minigun
 *              with maxChunk 1 (no chunking: one message per input, like tinypool).
 *  - cpu:      `ipc-fork`, 64 × recursive fib(30), concurrency 2. Baseline: raw tinypool child_process, 2
 *              processes; reference: 1 process (how much parallelism the machine really gives).
 *  - setup:    2 trivial inputs: what a run costs before and after any work (children start, module import,
 *              teardown), for each strategy and launcher flags.
 *  - tsmodule-ipc, tsmodule-cow: 20 × recursive fib(30), cold (each run starts its children), through
 *              `ipc-fork` (2 children) and `cow-fork` (default start, concurrency 2), with the TypeScript
 *              module pipelines.ts (compiled in the parent) against its JavaScript twin pipelines-js.mjs (the
 *              baseline), both with the default launcher.
 *
 * Environment: every judged row's children (raw and Minigun alike) get this process's environment, as
 * child_process.fork gives it by default; tinypool's child_process runtime, which otherwise gives its
 * children only TINYPOOL_WORKER_ID, is given it explicitly (its default is a reference row). Node 20 parses
 * NODE_EXTRA_CA_CERTS at every start (the header prints what `node -e 0` costs with and without it), so when
 * it is set the cow and spares workloads run again with every child started without it (`cow-noca`,
 * `spares-noca`, reference targets), and the cpu and setup workloads get such a Minigun row.
 * The `child CPU/in` column is the CPU the run's children used (Linux: reaped children's user + system time)
 * per input; for spares the bench prints the floor it sets: children's CPU ÷ cores.
 *
 * Setup cost is counted on both sides: Minigun starts its children (and cow-fork's spares) in every run, so
 * every timed raw run forks its children / creates its tinypool pool inside the timing too, and waits for
 * them to exit (pool.destroy()) before the clock stops.
 *
 * Children flags: the bench runs under `--import tsx`; child_process.fork would pass it on to children. The
 * judged Minigun rows import the pipelines from a plain-JavaScript module (pipelines-js.mjs) and give the
 * children the parent's flags without loader flags (`forkStrategies({ fork: { execArgv } })`), exactly like
 * the raw baselines' children. Rows marked `.ts` use pipelines.ts (compiled once per run in the parent) and
 * the default launcher, which leaves TypeScript loader flags out: how a TypeScript user runs it.
 *
 * Options (--help lists them): --json (one JSON document on stdout, progress on stderr), --runs=3 (timed runs of every workload
 * but cow), --cow-runs=2 (cow), --only=cow,spares,forkserver,dispatch,cpu,setup,tsmodule, --extra (more informative rows),
 * --cow-n=200, --sleep-n=40, --sleep-ms=50, --dispatch-n=20000, --fib-n=30, --fib-count=64, --ts-count=20.
 * The cow workload is specified at 500 inputs (enough for the per-input cost to outweigh a run's fixed cost);
 * the default is 200 (--cow-n=500 for the full count) with 2 timed runs, and 3 timed runs elsewhere, to keep
 * the bench near 3 minutes: on this shared 2-core machine one fork costs 80 to 250 ms, so one 500-input round
 * of the cow workload alone takes 1.5 to 4 minutes.
 * Exit code: 1 when a variant computed a wrong sum, threw, a Minigun run did not complete, or a child
 * process was left running; never for slowness (this machine is shared and noisy: the targets are printed
 * as PASS/FAIL only).
 */
import { fork, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type BaselineRatios,
  type Column,
  type Counted,
  findVariant,
  flag,
  fmtMs,
  fmtRatio,
  hasGc,
  integer,
  machine,
  machineLine,
  measureAgainstBaseline,
  median,
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
import { forkStrategies, type ForkStrategyOptions } from '@minigun/strategy-fork';
import Tinypool from 'tinypool';
import { fib } from './fib.mjs';
import { rawSpares } from './raw-spares.mjs';
import * as js from './pipelines-js.mjs';
import * as heavyJs from './pipelines-heavy.mjs';
import * as ts from './pipelines.js';

// ---- options ----------------------------------------------------------------------------------------

const OPTIONS = {
  json: flag('one JSON document on stdout, progress on stderr'),
  extra: flag('more informative rows (dispatch: ipc-fork with maxChunk 1)'),
  runs: integer(3, 'timed runs of every workload but cow, after one warm-up (at least 1)', { min: 1 }),
  cowRuns: integer(2, 'timed runs of the cow workloads (at least 1)', { min: 1 }),
  only: subset(['cow', 'spares', 'forkserver', 'dispatch', 'cpu', 'setup', 'tsmodule'], 'the workloads to run'),
  cowN: integer(200, 'inputs of the cow workload (at least 1)', { min: 1 }),
  sleepN: integer(40, 'inputs of the spares workload (at least 1)', { min: 1 }),
  sleepMs: integer(50, 'wait of every spares input, in ms'),
  dispatchN: integer(20_000, 'inputs of the dispatch workload (at least 1)', { min: 1 }),
  fibN: integer(30, 'argument of every recursive fib of the cpu workload'),
  fibCount: integer(64, 'inputs of the cpu workload (at least 1)', { min: 1 }),
  tsCount: integer(20, 'fib inputs of the tsmodule workloads (at least 1)', { min: 1 }),
};

type Args = ParsedArgs<typeof OPTIONS>;

// ---- children flags -----------------------------------------------------------------------------------

/**
 * Flags of every child that needs no loader (raw baselines and the judged Minigun rows): this process's flags
 * without loader flags (`--import tsx`). The pipeline module pipelines-js.mjs and the raw scripts are plain
 * JavaScript.
 */
const CHILD_FLAGS = withoutLoaderFlags(['--import', '--loader', '--experimental-loader', '--require', '-r']);

/**
 * Environments of the children. `inherited` (this process's) is what every judged row uses, raw and
 * Minigun alike. `noCa` drops NODE_EXTRA_CA_CERTS, which Node 20 parses at every start (see startCost):
 * reference rows show what start-up-bound figures become where it is not set. Undefined when it is not set
 * here (then the inherited rows are those figures).
 */
const INHERITED_ENV: NodeJS.ProcessEnv = process.env;
const NO_CA_ENV: NodeJS.ProcessEnv | undefined = process.env.NODE_EXTRA_CA_CERTS === undefined ? undefined : { ...process.env, NODE_EXTRA_CA_CERTS: undefined };

/** A registry whose fork strategies start their children with CHILD_FLAGS (no loader) and `env`. */
function plainRegistry(options: ForkStrategyOptions = {}, env: NodeJS.ProcessEnv = INHERITED_ENV): Registry {
  return new Registry().use(forkStrategies({ ...options, fork: { execArgv: CHILD_FLAGS, env } }));
}

/** Children without NODE_EXTRA_CA_CERTS, for reference rows (undefined when it is not set). */
function noCaRegistry(): Registry | undefined {
  return NO_CA_ENV === undefined ? undefined : plainRegistry({}, NO_CA_ENV);
}

/**
 * What one bare Node start costs here (`node -e 0`, median of 7, sequential), with this environment and,
 * when NODE_EXTRA_CA_CERTS is set, without it: Node 20 loads those certificates at every start.
 */
function startCost(): { inheritedMs: number; withoutCaMs?: number } {
  const time = (env: NodeJS.ProcessEnv): number =>
    median(
      Array.from({ length: 7 }, () => {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
        return performance.now() - t0;
      }),
    );
  const inheritedMs = time(process.env);
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) return { inheritedMs };
  return { inheritedMs, withoutCaMs: time({ ...process.env, NODE_EXTRA_CA_CERTS: undefined }) };
}

/** A registry with the default launcher: children get this process's flags without TypeScript loaders. */
function defaultRegistry(options: ForkStrategyOptions = {}): Registry {
  return new Registry().use(forkStrategies(options));
}

// ---- raw baselines -------------------------------------------------------------------------------------

const RAW_CHILD = fileURLToPath(new URL('./raw-child.mjs', import.meta.url));
const RAW_WORKER = new URL('./raw-worker.mjs', import.meta.url).href;

/** One raw cow-fork: fork raw-child.mjs, send `n`, take its one reply, resolve once the child has exited. */
function forkOnce(n: number, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // The same fork options as Minigun's launcher (advanced serialisation, stdout/stderr inherited).
    const child = fork(RAW_CHILD, [], { execArgv: CHILD_FLAGS, env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reply: number | undefined;
    child.once('message', (m) => {
      reply = m as number;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (reply === undefined) reject(new Error(`raw child ${child.pid} exited (code ${code}, signal ${signal}) without a reply`));
      else resolve(reply);
    });
    child.send(n);
  });
}

/** `count` raw forks, `lanes` at a time: each lane forks, sends, takes the reply and waits for the exit, then goes on. */
async function rawForks(count: number, lanes: number, env: NodeJS.ProcessEnv = INHERITED_ENV): Promise<number> {
  let next = 0;
  let sum = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) {
        const reply = await forkOnce(next++, env);
        sum += reply;
      }
    }),
  );
  return sum;
}

/**
 * The environment of every child in this bench: this process's, as `child_process.fork` and Minigun's
 * launcher give it by default. tinypool's child_process runtime instead gives its children only
 * `TINYPOOL_WORKER_ID` unless told otherwise (no PATH, HOME, NODE_ENV…), so the baseline pools are given
 * this environment explicitly; `'tinypool-default'` keeps tinypool's own for a reference row. Node 20 reads
 * NODE_EXTRA_CA_CERTS at every start (see startCost), so the environment alone moves start-up cost.
 */
type ChildEnv = 'inherited' | 'tinypool-default';

/** A cold raw tinypool run on the child_process runtime: create the pool, run every input, destroy it (all timed). */
async function rawTinypool(processes: number, name: 'fib' | 'inc', inputs: readonly number[], env: ChildEnv = 'inherited'): Promise<number> {
  const pool = new Tinypool({
    runtime: 'child_process',
    filename: RAW_WORKER,
    minThreads: processes,
    maxThreads: processes,
    execArgv: CHILD_FLAGS,
    serialization: 'advanced',
    ...(env === 'inherited' ? { env: process.env as Record<string, string> } : {}),
  });
  return poolSum(pool, name, inputs);
}

// ---- results ---------------------------------------------------------------------------------------------

/** Every variant's ratio to the baseline, and the CPU ms its run's children used (median of the timed runs). */
type Measured = WorkloadResult<VariantResult & BaselineRatios & Counted<'childCpuMs'>>;

// ---- workloads -------------------------------------------------------------------------------------------

/** Σ (i + 1) for i = 0 … n - 1. */
const incSum = (n: number): number => (n * (n + 1)) / 2;

const JS = 'module .mjs, children without loader';
const TS = 'module .ts (compiled in the parent), default launcher';

const V = {
  cow: `minigun cow-fork (spares 2), ${JS}`,
  raw: 'raw fork + 1 message + exit, 2 at a time',
  spares: `minigun cow-fork, default spares (2), ${JS}`,
  noSpares: `minigun cow-fork, spares 0, ${JS}`,
  ipc: `minigun ipc-fork, ${JS}`,
  ipcTs: `minigun ipc-fork, ${TS}`,
  ipcChunk1: `minigun ipc-fork maxChunk 1, ${JS}`,
  tinypool2: 'raw tinypool child_process, 2 processes',
  tinypool1: 'raw tinypool child_process, 1 process (reference)',
  tinypoolBare: "raw tinypool, 2 processes, tinypool's default env (reference)",
  ipcNoCa: `minigun ipc-fork, ${JS}, env without NODE_EXTRA_CA_CERTS`,
  rawSpares: 'raw fork, 2 spares forked ahead (reference)',
  rawNoSpares: 'raw fork when the input comes (reference)',
  forkserver: `minigun cow-fork start: 'forkserver', ${JS}`,
  ipcJsDefault: 'minigun ipc-fork, module .mjs, default launcher',
  cowJsDefault: 'minigun cow-fork (default start), module .mjs, default launcher',
  cowTsDefault: 'minigun cow-fork (default start), module .ts (compiled in the parent), default launcher',
  spawn: `minigun cow-fork start: 'spawn' (spares 2), ${JS}`,
} as const;

/**
 * cow-fork's start methods against each other: `forkserver` (fork(2) from a server that imported the module
 * once) and `spawn` (the baseline, with its default spares), on the trivial module and on one whose import
 * takes 200 ms.
 */
function forkServerWorkload(args: Args, heavy: boolean): Workload {
  const pipelines = heavy ? heavyJs : js;
  return {
    id: heavy ? 'forkserver-heavy' : 'forkserver',
    title: `cow-fork start methods: ${args.cowN} trivial inputs (n → n + 1), concurrency 2, ${heavy ? 'a module whose import takes 200 ms' : 'the trivial module'}`,
    items: args.cowN,
    warmItems: Math.min(args.cowN, 10),
    runs: args.cowRuns,
    expected: incSum,
    variants: [
      { name: V.forkserver, role: 'minigun', run: (n) => runForSum(pipelines.cowIncPipeline, n, 0, plainRegistry({ start: 'forkserver' })) },
      { name: V.spawn, role: 'baseline', run: (n) => runForSum(pipelines.cowIncPipeline, n, 0, plainRegistry({ start: 'spawn' })) },
    ],
  };
}

/** Suffix of the ids and titles of reference workloads whose children start without NODE_EXTRA_CA_CERTS. */
const NO_CA = { id: '-noca', title: ' [reference: every child without NODE_EXTRA_CA_CERTS]' } as const;

function cowWorkload(args: Args, env: NodeJS.ProcessEnv = INHERITED_ENV): Workload {
  const registry = plainRegistry({ start: 'spawn' }, env);
  const ref = env === INHERITED_ENV ? { id: '', title: '' } : NO_CA;
  return {
    id: `cow${ref.id}`,
    title: `cow-fork per-input cost: ${args.cowN} trivial inputs (n → n + 1), concurrency 2${ref.title}`,
    items: args.cowN,
    warmItems: Math.min(args.cowN, 10),
    runs: args.cowRuns,
    expected: incSum,
    variants: [
      { name: V.cow, role: 'minigun', run: (n) => runForSum(js.cowIncPipeline, n, 0, registry) },
      { name: V.raw, role: 'baseline', run: (n) => rawForks(n, 2, env) },
    ],
  };
}

function sparesWorkload(args: Args, env: NodeJS.ProcessEnv = INHERITED_ENV): Workload {
  const withSpares = plainRegistry({ start: 'spawn' }, env);
  const without = plainRegistry({ start: 'spawn', spares: 0 }, env);
  const ref = env === INHERITED_ENV ? { id: '', title: '' } : NO_CA;
  return {
    id: `spares${ref.id}`,
    title: `cow-fork, ${args.sleepN} inputs each waiting ${args.sleepMs} ms (setTimeout), concurrency 2${ref.title}`,
    items: args.sleepN,
    warmItems: Math.min(args.sleepN, 4),
    runs: args.runs,
    expected: incSum,
    variants: [
      { name: V.spares, role: 'minigun', run: (n) => runForSum(js.cowSleepPipeline, n, args.sleepMs, withSpares) },
      { name: V.noSpares, role: 'baseline', run: (n) => runForSum(js.cowSleepPipeline, n, args.sleepMs, without) },
      // The same with raw children (no module, no protocol): what spares can gain here at best.
      { name: V.rawSpares, role: 'reference', run: (n) => rawSpares({ count: n, lanes: 2, spares: 2, ms: args.sleepMs, execArgv: CHILD_FLAGS, env }) },
      { name: V.rawNoSpares, role: 'reference', run: (n) => rawSpares({ count: n, lanes: 2, spares: 0, ms: args.sleepMs, execArgv: CHILD_FLAGS, env }) },
    ],
  };
}

function dispatchWorkload(args: Args): Workload {
  const chunked = plainRegistry();
  const unchunked = plainRegistry({ maxChunk: 1 });
  const inherited = defaultRegistry();
  return {
    id: 'dispatch',
    title: `ipc-fork dispatch: ${args.dispatchN.toLocaleString('en-US')} trivial inputs (n → n + 1), 2 child processes`,
    items: args.dispatchN,
    warmItems: args.dispatchN,
    runs: args.runs,
    expected: incSum,
    variants: [
      { name: V.ipc, role: 'minigun', run: (n) => runForSum(js.ipcIncPipeline, n, 0, chunked) },
      { name: V.ipcTs, role: 'minigun', run: (n) => runForSum(ts.ipcIncPipeline, n, 0, inherited) },
      ...(args.extra ? [{ name: V.ipcChunk1, role: 'minigun' as const, run: (n: number) => runForSum(js.ipcIncPipeline, n, 0, unchunked) }] : []),
      { name: V.tinypool2, role: 'baseline', run: (n) => rawTinypool(2, 'inc', range(n)) },
    ],
  };
}

function cpuWorkload(args: Args): Workload {
  const registry = plainRegistry();
  const inherited = defaultRegistry();
  const withoutCa = noCaRegistry();
  const f = fib(args.fibN);
  const inputs = (n: number): number[] => Array.from({ length: n }, () => args.fibN);
  return {
    id: 'cpu',
    title: `${args.fibCount} × recursive fib(${args.fibN}), 2 child processes`,
    items: args.fibCount,
    warmItems: args.fibCount,
    runs: args.runs,
    expected: (n) => n * f,
    variants: [
      { name: V.ipc, role: 'minigun', run: (n) => runForSum(js.ipcFibPipeline, n, args.fibN, registry) },
      { name: V.ipcTs, role: 'minigun', run: (n) => runForSum(ts.ipcFibPipeline, n, args.fibN, inherited) },
      ...(withoutCa === undefined
        ? []
        : [{ name: V.ipcNoCa, role: 'reference' as const, run: (n: number) => runForSum(js.ipcFibPipeline, n, args.fibN, withoutCa) }]),
      { name: V.tinypool2, role: 'baseline', run: (n) => rawTinypool(2, 'fib', inputs(n)) },
      { name: V.tinypool1, role: 'reference', run: (n) => rawTinypool(1, 'fib', inputs(n)) },
      { name: V.tinypoolBare, role: 'reference', run: (n) => rawTinypool(2, 'fib', inputs(n), 'tinypool-default') },
    ],
  };
}

function setupWorkload(args: Args): Workload {
  const plain = plainRegistry();
  const inherited = defaultRegistry();
  const withoutCa = noCaRegistry();
  return {
    id: 'setup',
    title: '2 trivial inputs: children start, module import, teardown',
    items: 2,
    warmItems: 2,
    runs: args.runs,
    expected: incSum,
    variants: [
      { name: V.ipc, role: 'minigun', run: (n) => runForSum(js.ipcIncPipeline, n, 0, plain) },
      { name: V.ipcJsDefault, role: 'minigun', run: (n) => runForSum(js.ipcIncPipeline, n, 0, inherited) },
      { name: V.ipcTs, role: 'minigun', run: (n) => runForSum(ts.ipcIncPipeline, n, 0, inherited) },
      ...(withoutCa === undefined ? [] : [{ name: V.ipcNoCa, role: 'reference' as const, run: (n: number) => runForSum(js.ipcIncPipeline, n, 0, withoutCa) }]),
      { name: V.cow, role: 'minigun', run: (n) => runForSum(js.cowIncPipeline, n, 0, plain) },
      { name: V.tinypool2, role: 'baseline', run: (n) => rawTinypool(2, 'inc', range(n)) },
      { name: V.tinypoolBare, role: 'reference', run: (n) => rawTinypool(2, 'inc', range(n), 'tinypool-default') },
      { name: V.raw, role: 'reference', run: (n) => rawForks(n, 2) },
    ],
  };
}

/**
 * The TypeScript module against its JavaScript twin, cold, CPU-bound: `strategy` is 'ipc' (2 persistent
 * children) or 'cow' (a fresh child per input, default start method); both rows use the default launcher.
 */
function tsModuleWorkload(args: Args, strategy: 'ipc' | 'cow'): Workload {
  const registry = defaultRegistry();
  const f = fib(args.fibN);
  const [jsPipeline, tsPipeline] = strategy === 'ipc' ? [js.ipcFibPipeline, ts.ipcFibPipeline] : [js.cowFibPipeline, ts.cowFibPipeline];
  return {
    id: `tsmodule-${strategy}`,
    title: `${args.tsCount} × recursive fib(${args.fibN}), cold, ${strategy === 'ipc' ? 'ipc-fork, 2 child processes' : 'cow-fork (default start), concurrency 2'}: .ts against .mjs`,
    items: args.tsCount,
    warmItems: args.tsCount,
    // A run takes a quarter of a second or so, and such runs move by more than the 10 % the target allows:
    // at least 5 timed runs, so that the best of each side is less of a draw.
    runs: Math.max(args.runs, 5),
    expected: (n) => n * f,
    variants: [
      { name: strategy === 'ipc' ? V.ipcTs : V.cowTsDefault, role: 'minigun', run: (n) => runForSum(tsPipeline, n, args.fibN, registry) },
      { name: strategy === 'ipc' ? V.ipcJsDefault : V.cowJsDefault, role: 'baseline', run: (n) => runForSum(jsPipeline, n, args.fibN, registry) },
    ],
  };
}

// ---- children's CPU ------------------------------------------------------------------------------------------

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU ms used by this process's reaped children so far (cutime + cstime from /proc/self/stat); NaN where
 * /proc is missing. Every run waits for its children's exit, so the difference over a run is their CPU.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at indexes 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  } catch {
    return NaN;
  }
}

// ---- leftover children ---------------------------------------------------------------------------------------

/**
 * PIDs and command lines of this process's live children (Linux /proc; empty elsewhere), except tsx's
 * esbuild service: `--import tsx` starts it in this process, and it lives as long as this process does.
 */
function liveChildren(): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (/\besbuild\b.*--service/.test(cmd)) continue;
      out.push({ pid: Number(e), cmd });
    } catch {
      // the process went away meanwhile
    }
  }
  return out;
}

// ---- output ------------------------------------------------------------------------------------------------

const fmtRate = (r: number): string => (Number.isFinite(r) ? (r < 100 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US')) : '-');

function printWorkload(w: Measured): void {
  console.log(workloadHeading(w.id, w.title, `warm-up + ${w.runs} runs`));
  const perInput = (ms: number): string => (Number.isFinite(ms) ? (ms / w.items).toFixed(ms / w.items < 1 ? 3 : 1) : '-');
  const columns: Column<Measured['variants'][number]>[] = [
    { header: 'variant', width: 64, cell: (v) => v.name },
    ...msColumns(),
    { header: 'ms/input', width: 9, align: 'right', cell: (v) => perInput(v.bestMs) },
    ...rateColumns(fmtRate),
    ...ratioColumns(),
    { header: 'child CPU/in', width: 13, align: 'right', cell: (v) => (Number.isFinite(v.childCpuMs) ? `${(v.childCpuMs / w.items).toFixed(1)} ms` : '-') },
    sumColumn(w.expected),
  ];
  printTable(columns, w.variants);
}

interface Target {
  readonly label: string;
  readonly threshold: number;
  /** What is compared with the threshold: the ratio to the baseline, or tasks/s. */
  readonly unit: 'ratio' | 'tasks/s';
  readonly best: number;
  readonly median: number;
  readonly verdict: 'PASS' | 'FAIL';
}

function target(results: readonly Measured[], id: string, variant: string, unit: Target['unit'], threshold: number, label: string): Target | undefined {
  const v = findVariant(results, id, variant);
  if (v === undefined) return undefined;
  const [best, med] = unit === 'ratio' ? [v.ratioBest, v.ratioMedian] : [v.bestRate, v.medianRate];
  return { label, threshold, unit, best, median: med, verdict: v.correct && best >= threshold ? 'PASS' : 'FAIL' };
}

/** `variant` against another row of the same workload (not its baseline): their time ratio. */
function pairTarget(results: readonly Measured[], id: string, variant: string, against: string, threshold: number, label: string): Target | undefined {
  const pair = pairRatio(results, id, variant, against);
  if (pair === undefined) return undefined;
  const { best, median: med } = pair;
  return { label, threshold, unit: 'ratio', best, median: med, verdict: pair.variant.correct && pair.other.correct && best >= threshold ? 'PASS' : 'FAIL' };
}

const fmtTarget = (t: Target, x: number): string => (t.unit === 'ratio' ? fmtRatio(x) : `${fmtRate(x)}/s`);

// ---- main --------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args: Args = parseArgs('node --import tsx bench/run.ts', OPTIONS);
  const started = performance.now();
  const log = progressLog(args.json);
  const env = {
    ...machine({ load: true }),
    childFlags: CHILD_FLAGS.join(' '),
    gc: hasGc(),
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
    nodeStartMs: startCost(),
    runs: args.runs,
    cowRuns: args.cowRuns,
    extra: args.extra,
    setupCost:
      'cold on both sides: every timed run starts its children (Minigun per run, raw forks and tinypool pools per timed run) and waits for their exit before the clock stops',
  };
  if (!args.json) {
    console.log(`${machineLine('Minigun fork-strategies bench', env)} (children: ${env.childFlags || '(none)'})`);
    console.log(`gc between runs: ${env.gc ? 'yes (v8.setFlagsFromString)' : 'no'}`);
    const { inheritedMs, withoutCaMs } = env.nodeStartMs;
    console.log(
      `node -e 0 here: ${inheritedMs.toFixed(0)} ms` +
        (withoutCaMs === undefined ? '' : ` with NODE_EXTRA_CA_CERTS=${env.nodeExtraCaCerts} (every child inherits it), ${withoutCaMs.toFixed(0)} ms without`),
    );
    console.log('ratio = variant tasks/s ÷ baseline tasks/s (> 1: faster). Best and median of the timed runs.');
    console.log(
      'Setup cost counted on both sides (cold): each timed run starts its children (Minigun: per run; raw forks / raw tinypool: per timed run) and waits for them to exit before the clock stops.',
    );
  }

  const workloads: Workload[] = [];
  if (args.only.has('cow')) workloads.push(cowWorkload(args));
  if (args.only.has('spares')) workloads.push(sparesWorkload(args));
  if (args.only.has('forkserver')) workloads.push(forkServerWorkload(args, false), forkServerWorkload(args, true));
  if (args.only.has('cow') && NO_CA_ENV !== undefined) workloads.push(cowWorkload(args, NO_CA_ENV));
  if (args.only.has('spares') && NO_CA_ENV !== undefined) workloads.push(sparesWorkload(args, NO_CA_ENV));
  if (args.only.has('dispatch')) workloads.push(dispatchWorkload(args));
  if (args.only.has('cpu')) workloads.push(cpuWorkload(args));
  if (args.only.has('setup')) workloads.push(setupWorkload(args));
  if (args.only.has('tsmodule')) workloads.push(tsModuleWorkload(args, 'ipc'), tsModuleWorkload(args, 'cow'));

  const results: Measured[] = [];
  const leftAfter: Record<string, number> = {};
  for (const w of workloads) {
    const r = await measureAgainstBaseline(w, { log, counters: { childCpuMs: childrenCpuMs } });
    results.push(r);
    // Every run must have waited for its children; anything alive now is a leak (checked per workload).
    const left = liveChildren();
    if (left.length > 0) leftAfter[w.id] = left.length;
    if (!args.json) printWorkload(r);
  }

  const targets = [
    target(results, 'cow', V.cow, 'ratio', 1 / 1.2, 'cow-fork  minigun / raw fork+message+exit ≥ 0.83 (within 1.2×)'),
    target(results, 'spares', V.spares, 'ratio', 1.5, 'spares    cow-fork default spares / spares 0 ≥ 1.5'),
    target(results, 'forkserver', V.forkserver, 'ratio', 3, "forkserver cow-fork start: 'forkserver' / 'spawn' ≥ 3 (trivial module)"),
    target(results, 'forkserver-heavy', V.forkserver, 'ratio', 8, "forkserver cow-fork start: 'forkserver' / 'spawn' ≥ 8 (200 ms of imports)"),
    target(results, `cow${NO_CA.id}`, V.cow, 'ratio', 1 / 1.2, '(ref.) cow-fork, children without NODE_EXTRA_CA_CERTS'),
    target(results, `spares${NO_CA.id}`, V.spares, 'ratio', 1.5, '(ref.) spares, children without NODE_EXTRA_CA_CERTS'),
    target(results, 'dispatch', V.ipc, 'tasks/s', 20_000, 'dispatch  ipc-fork ≥ 20,000 inputs/s (setup included)'),
    target(results, 'cpu', V.ipc, 'ratio', 0.85, 'CPU       ipc-fork / raw tinypool child_process 2 ≥ 0.85'),
    pairTarget(results, 'setup', V.ipcTs, V.ipcJsDefault, 1 / 1.3, 'setup     ipc-fork, 2 inputs: .ts within 1.3× of .mjs (default launcher)'),
    target(results, 'tsmodule-ipc', V.ipcTs, 'ratio', 1 / 1.1, 'tsmodule  ipc-fork, 20 × fib(30) cold: .ts within 1.1× of .mjs'),
    target(results, 'tsmodule-cow', V.cowTsDefault, 'ratio', 1 / 1.1, 'tsmodule  cow-fork, 20 × fib(30) cold: .ts within 1.1× of .mjs'),
  ].filter((t): t is Target => t !== undefined);
  const wrong = wrongSums(results);

  // No child may outlive the bench: report, then kill (by PID) whatever this process still has.
  const leftover = liveChildren();
  for (const c of leftover) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const elapsedS = (performance.now() - started) / 1000;

  if (args.json) {
    console.log(JSON.stringify({ env, workloads: results, targets, wrong, leftAfter, leftover, elapsedS }, null, 2));
  } else {
    const cpu = results.find((r) => r.id === 'cpu');
    const one = cpu?.variants.find((v) => v.name === V.tinypool1);
    const two = cpu?.variants.find((v) => v.role === 'baseline');
    if (one !== undefined && two !== undefined)
      console.log(
        `\n  raw tinypool 2 processes vs 1 process on this machine: ${(one.bestMs / two.bestMs).toFixed(2)}x faster (best), ${(one.medianMs / two.medianMs).toFixed(2)}x (median)`,
      );
    const disp = results.find((r) => r.id === 'dispatch')?.variants.find((v) => v.name === V.ipc);
    const setup = results.find((r) => r.id === 'setup')?.variants.find((v) => v.name === V.ipc);
    if (disp !== undefined && setup !== undefined && disp.bestMs > setup.bestMs) {
      const rate = args.dispatchN / ((disp.bestMs - setup.bestMs) / 1000);
      console.log(`  ipc-fork dispatch without its fixed cost (best dispatch run − best setup run): ${fmtRate(rate)} inputs/s`);
    }
    for (const id of ['spares', `spares${NO_CA.id}`]) {
      const w = results.find((r) => r.id === id);
      const on = w?.variants.find((v) => v.name === V.spares);
      const off = w?.variants.find((v) => v.role === 'baseline');
      if (on === undefined || off === undefined || !Number.isFinite(on.childCpuMs)) continue;
      // Spares overlap start-ups with inputs, but every start-up still costs its CPU: the run cannot take less
      // than its children's CPU spread over the cores.
      const floor = on.childCpuMs / cpus().length;
      console.log(
        `  ${id}: children CPU ${fmtMs(on.childCpuMs)} ms over ${cpus().length} cores → at least ${fmtMs(floor)} ms; so at most ${(off.bestMs / floor).toFixed(2)}x faster than spares 0 (${fmtMs(off.bestMs)} ms)`,
      );
      const rawOn = w?.variants.find((v) => v.name === V.rawSpares);
      const rawOff = w?.variants.find((v) => v.name === V.rawNoSpares);
      if (rawOn !== undefined && rawOff !== undefined) {
        console.log(
          `  ${id}: raw children (nothing to import, no protocol), 2 spares vs none: ${fmtRatio(rawOff.bestMs / rawOn.bestMs)} best, ${fmtRatio(rawOff.medianMs / rawOn.medianMs)} median`,
        );
      }
    }
    console.log('\nTargets (printed only; never fail the process)');
    for (const t of targets) console.log(targetLine(t.label, fmtTarget(t, t.best), fmtTarget(t, t.median), t.verdict));
    console.log(sumsLine(wrong));
    const leaks = Object.entries(leftAfter).map(([id, n]) => `${n} after ${id}`);
    console.log(leaks.length === 0 ? 'No child process left after any workload.' : `CHILD PROCESSES LEFT: ${leaks.join(', ')}`);
    if (leftover.length > 0) console.log(`Killed at exit: ${leftover.map((c) => `${c.pid} (${c.cmd})`).join(', ')}`);
    console.log(`Total ${elapsedS.toFixed(1)} s.`);
  }
  return wrong.length === 0 && leftover.length === 0 && Object.keys(leftAfter).length === 0 ? 0 : 1;
}

runMain(main);
