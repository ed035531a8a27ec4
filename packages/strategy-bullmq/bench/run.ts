/**
 * bullmq strategy benchmark: `node --import tsx bench/run.ts` in packages/strategy-bullmq (after a build; it
 * starts its own redis-server). Ratios are taken within one run, rounds interleaved, median of --runs (2).
 *
 *  - dispatch: 20,000 trivial inputs (n → n + 1), 2 local worker processes, 2 jobs at once. Baseline: raw
 *    BullMQ with the same Redis: 2 worker processes (concurrency 1 each, returning n + 1) and one
 *    Queue.addBulk of one job per input, timed until every job has completed, worker start-up included on
 *    both sides. Also prints the jobs per input Minigun's chunking made.
 *  - cpu: 64 × fib(30) on `bullmq` with 2 local workers against `ipc-fork` with 2 children. Reference row:
 *    the same runs served by 2 `minigun-bullmq-worker` processes started once before the timed rounds (as
 *    workers are deployed on other machines), through one registry kept for all runs, so that no run pays a
 *    worker's start-up.
 *  - memory: 100,000 and 1,000,000 trivial inputs (--memory-n) through the dispatch pipeline, each N once in
 *    a fresh plain-node process (bench/memory.mjs, so that its RSS is the run's own, without tsx): peak Redis
 *    `used_memory` (INFO memory every 100 ms) and peak RSS of that parent process; flat in N is the target.
 *    `--only=dispatch,cpu,memory` picks workloads; the 1,000,000 row takes about a minute on 2 cores.
 *
 * Exit code 1 when a run computed a wrong sum; never for slowness (the machine is shared: targets print
 * PASS/FAIL only).
 */
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from '@minigun/core';
import { forkStrategies } from '@minigun/strategy-fork';
import { bullmqStrategies } from '@minigun/strategy-bullmq';
import { startRedis } from '../test/redis-server.ts';
import { cpuBullmq, cpuBullmqServed, cpuIpc, dispatchBullmq } from './pipelines.mjs';

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 2);
const N = arg('dispatch-n', 20_000);
const FIB_COUNT = arg('fib-count', 64);
const FIB_N = arg('fib-n', 30);
const ONLY = (process.argv.find((a) => a.startsWith('--only='))?.split('=')[1] ?? 'dispatch,cpu,memory').split(',');
const MEMORY_N = (process.argv.find((a) => a.startsWith('--memory-n='))?.split('=')[1] ?? '100000,1000000').split(',').map(Number);

const redis = await startRedis();
let failed = false;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<number>, expected: number, what: string): Promise<number> {
  const started = performance.now();
  const sum = await fn();
  const ms = performance.now() - started;
  if (sum !== expected) {
    failed = true;
    console.error(`${what}: wrong sum ${sum}, expected ${expected}`);
  }
  return ms;
}

/** Jobs of the last bullmq run of `queue`: the highest job number among its latest 'added' events. */
async function jobsOfLastRun(queue: string): Promise<number> {
  const c = new Redis(redis.url);
  try {
    const events = (await c.xrevrange(`minigun:${queue}:events`, '+', '-', 'COUNT', 5000)) as Array<[string, string[]]>;
    const ids = events.flatMap(([, fields]) => (fields[1] === 'added' ? [fields[3]!] : []));
    const run = ids[0]?.split('.')[0];
    return Math.max(0, ...ids.filter((id) => id.startsWith(`${run}.`)).map((id) => Number(id.split('.')[1])));
  } finally {
    c.disconnect();
  }
}

/** SIGTERMs worker processes (raw or Minigun's: both finish their jobs and exit) and waits until they have exited. */
function stopWorkers(workers: readonly ChildProcess[]): Promise<unknown[]> {
  return Promise.all(workers.map((w) => new Promise((resolve) => (w.once('exit', resolve), w.kill('SIGTERM')))));
}

async function rawBullmq(): Promise<number> {
  const queueName = `raw-${Date.now()}`;
  const workerFile = fileURLToPath(new URL('./raw-worker.mjs', import.meta.url));
  const workers = [0, 1].map(() => fork(workerFile, [redis.url, queueName, 'raw', '1'], { stdio: 'inherit' }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix: 'raw' });
  await queue.addBulk(Array.from({ length: N }, (_, i) => ({ name: 'n', data: { n: i }, opts: { removeOnComplete: { count: N } } })));
  for (;;) {
    const { completed } = await queue.getJobCounts('completed');
    if (completed >= N) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // The same sum, from the jobs' return values.
  let sum = 0;
  for (let start = 0; start < N; start += 1000) for (const job of await queue.getJobs(['completed'], start, start + 999)) sum += job.returnvalue as number;
  await stopWorkers(workers);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return sum;
}

const bullmq = (): Registry => new Registry().use(bullmqStrategies({ connection: redis.url, localWorkers: 2 }));
/**
 * No local workers: the runs are served by the long-lived workers of `startServingWorkers`, and one registry
 * serves every run, as in a service that runs pipelines one after another (the parent's fingerprint of the
 * stage is computed once per strategy instance).
 */
const servedRegistry = new Registry().use(bullmqStrategies({ connection: redis.url, localWorkers: 0 }));
const bullmqServed = (): Registry => servedRegistry;

/**
 * Two `minigun-bullmq-worker` processes serving the cpu stage of `cpuBullmqServed` (its own queue, so they never
 * take the local-worker runs' jobs), 1 job at a time each, started once.
 */
async function startServingWorkers(): Promise<ChildProcess[]> {
  const bin = fileURLToPath(new URL('../bin/minigun-bullmq-worker.js', import.meta.url));
  const module = fileURLToPath(new URL('./pipelines.mjs', import.meta.url));
  const args = [bin, module, '--redis', redis.url, '--pipeline', cpuBullmqServed.name, '--stages', 'work', '--concurrency', '1'];
  return Promise.all(
    [0, 1].map(
      (i) =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
          child.once('error', reject);
          child.once('exit', (code) => reject(new Error(`serving worker ${i} exited with code ${code} before serving`)));
          // It prints one line per stage it serves once it takes jobs.
          child.stdout!.once('data', () => {
            child.removeAllListeners('exit');
            child.stdout!.resume();
            resolve(child);
          });
        }),
    ),
  );
}
const ipc = (): Registry => new Registry().use(forkStrategies());

const dispatchSum = (N * (N + 1)) / 2;
const fibSum =
  FIB_COUNT *
  (function fib(n: number): number {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  })(FIB_N);

interface MemoryRow {
  n: number;
  ms: number;
  sum: number;
  redisBefore: number;
  redisPeak: number;
  rssBefore: number;
  rssPeak: number;
  heapAfter: number;
  runKeys: number;
}

/** One memory row in a fresh plain-node process (bench/memory.mjs). */
async function memoryRow(n: number): Promise<MemoryRow> {
  const script = fileURLToPath(new URL('./memory.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, redis.url, String(n)], { maxBuffer: 1 << 20 });
  const row = JSON.parse(stdout.trim().split('\n').at(-1)!) as MemoryRow;
  if (row.sum !== (n * (n + 1)) / 2 || row.runKeys !== 0) {
    failed = true;
    console.error(`memory ${n}: sum ${row.sum} (expected ${(n * (n + 1)) / 2}), ${row.runKeys} run keys left in Redis`);
  }
  return row;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

const results: Record<string, number[]> = { raw: [], minigun: [], jobs: [], cpuBullmq: [], cpuIpc: [], cpuServed: [] };
const memory: MemoryRow[] = [];
const serving = ONLY.includes('cpu') ? await startServingWorkers() : [];
try {
  for (let round = 0; round < RUNS && (ONLY.includes('dispatch') || ONLY.includes('cpu')); round++) {
    if (ONLY.includes('dispatch')) {
      results.raw!.push(await timed(rawBullmq, dispatchSum, 'raw bullmq'));
      results.minigun!.push(
        await timed(
          async () => {
            const state = { n: N, sum: 0 };
            const r = await dispatchBullmq.run({ state, registry: bullmq() });
            if (r.status !== 'completed' || r.errors.length > 0) throw new Error(`dispatch run: ${r.status} ${r.errors[0]?.message}`);
            return state.sum;
          },
          dispatchSum,
          'minigun bullmq dispatch',
        ),
      );
      results.jobs!.push(await jobsOfLastRun('bench-dispatch-bullmq~work'));
    }
    if (ONLY.includes('cpu'))
      for (const [key, p, registry] of [
        ['cpuBullmq', cpuBullmq, bullmq],
        ['cpuIpc', cpuIpc, ipc],
        ['cpuServed', cpuBullmqServed, bullmqServed],
      ] as const) {
        results[key]!.push(
          await timed(
            async () => {
              const state = { count: FIB_COUNT, fibN: FIB_N, sum: 0 };
              const r = await p.run({ state, registry: registry() });
              if (r.status !== 'completed' || r.errors.length > 0) throw new Error(`cpu run: ${r.status} ${r.errors[0]?.message}`);
              return state.sum;
            },
            fibSum,
            key,
          ),
        );
      }
    console.error(`round ${round + 1}/${RUNS} done`);
  }
  if (ONLY.includes('memory')) {
    for (const n of MEMORY_N) {
      memory.push(await memoryRow(n));
      console.error(`memory ${n} done`);
    }
  }
  if (results.raw!.length > 0 || results.cpuBullmq!.length > 0) printTimes();
  if (memory.length > 0) {
    console.log('');
    console.log(`| memory: trivial inputs, 2 local workers | time | Redis used_memory before → peak | parent RSS before → peak | parent heap after GC |`);
    console.log(`|---|---|---|---|---|`);
    for (const m of memory)
      console.log(
        `| ${m.n} | ${(m.ms / 1000).toFixed(1)} s | ${mb(m.redisBefore)} → ${mb(m.redisPeak)} MB | ${mb(m.rssBefore)} → ${mb(m.rssPeak)} MB | ${mb(m.heapAfter)} MB |`,
      );
    if (memory.length > 1) {
      const [small, large] = [memory[0]!, memory.at(-1)!];
      const redisRatio = large.redisPeak / small.redisPeak;
      const rssRatio = large.rssPeak / small.rssPeak;
      const flat = redisRatio <= 1.25 && rssRatio <= 1.25;
      console.log(
        `flat in N (${large.n} against ${small.n}): Redis peak ${redisRatio.toFixed(2)}×, parent RSS peak ${rssRatio.toFixed(2)}× — target ≤ 1.25× both: ${flat ? 'PASS' : 'FAIL'}`,
      );
    }
  }
} finally {
  await stopWorkers(serving);
  await redis.stop();
}
process.exitCode = failed ? 1 : 0;

function printTimes(): void {
  console.log(`| workload | Minigun bullmq | baseline | ratio (baseline ÷ Minigun: above 1 = Minigun faster) | target |`);
  console.log(`|---|---|---|---|---|`);
  if (results.raw!.length > 0) {
    const raw = median(results.raw!);
    const mg = median(results.minigun!);
    const jobs = median(results.jobs!);
    console.log(
      `| dispatch: ${N} trivial inputs, 2 local workers | ${mg.toFixed(0)} ms (${jobs} jobs, ${(jobs / N).toFixed(4)} jobs per input) | raw BullMQ addBulk, 2 workers: ${raw.toFixed(0)} ms | ${(raw / mg).toFixed(2)}× | ≥ 1.0× ${raw / mg >= 1 ? 'PASS' : 'FAIL'} |`,
    );
  }
  if (results.cpuBullmq!.length > 0) {
    const cb = median(results.cpuBullmq!);
    const ci = median(results.cpuIpc!);
    console.log(
      `| cpu: ${FIB_COUNT} × fib(${FIB_N}), 2 workers | ${cb.toFixed(0)} ms | ipc-fork, 2 children: ${ci.toFixed(0)} ms | ${(ci / cb).toFixed(2)}× | Minigun within 1.2× of ipc-fork ${cb <= 1.2 * ci ? 'PASS' : 'FAIL'} |`,
    );
    const cs = median(results.cpuServed!);
    console.log(
      `| cpu, reference: 2 workers serving before the run (no start-up per run) | ${cs.toFixed(0)} ms | ipc-fork, 2 children: ${ci.toFixed(0)} ms | ${(ci / cs).toFixed(2)}× | (reference) |`,
    );
    // The machine may be shared: every run, best and median, so that noise shows.
    const runs = (xs: number[]): string => `${xs.map((x) => x.toFixed(0)).join(', ')} (best ${Math.min(...xs).toFixed(0)}, median ${median(xs).toFixed(0)})`;
    console.log(`cpu runs, ms: bullmq ${runs(results.cpuBullmq!)}; ipc-fork ${runs(results.cpuIpc!)}; bullmq, workers serving ${runs(results.cpuServed!)}`);
  }
}
