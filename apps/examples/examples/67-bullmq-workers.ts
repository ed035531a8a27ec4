/**
 * 67 bullmq workers: a stage that runs on other machines. Its inputs become BullMQ jobs in Redis; four
 * `minigun-bullmq-worker` processes, each started from its own copy of this app in a temporary directory
 * (as if on four machines), take them. One worker is killed mid-run: its job is retried on another, and
 * every input is still done exactly once. The parent stays the one place where the run is accounted.
 *
 *   source ─> score (bullmq: 4 workers, 2 jobs each) ─> save
 *
 * Needs redis-server on the PATH; the example starts its own on a free port and stops it.
 *
 * Run: npx tsx examples/67-bullmq-workers.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, isMain, pipeline } from '@minigun/core';
import { bullmqStrategies } from '@minigun/strategy-bullmq';
import { done, expect, span } from './lib/check.js';
import { startRedis } from './lib/redis.js';

const INPUTS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const scoring = pipeline('bullmq-scoring', { module: import.meta.url }, (p) => {
  p.producer('source', () => span(1, INPUTS));
  p.processor('score', { strategy: 'bullmq', concurrency: 8, retries: 2 }, async (n: number, _out, ctx) => {
    await sleep(15);
    return { n, score: n * n, worker: `${hostname()}/${ctx.pid}` };
  });
  p.consumer('save', (r: { n: number; worker: string }, _out, ctx) => {
    ctx.collect('saved', r);
  });
});

/** The node_modules folder this app resolves its packages from (the nearest one up). */
function installedPackages(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@minigun', 'strategy-bullmq'))) return join(dir, 'node_modules');
    if (dirname(dir) === dir) throw new Error('@minigun/strategy-bullmq is not installed');
  }
}

/** Starts one worker from a copy of this app in `machine` (its own files; the installed packages linked). */
async function startWorker(machine: string, redisUrl: string): Promise<ChildProcess> {
  const here = dirname(fileURLToPath(import.meta.url));
  cpSync(here, join(machine, 'examples'), { recursive: true, filter: (src) => src === here || src.endsWith('.ts') || src.endsWith('lib') });
  cpSync(join(here, '..', 'package.json'), join(machine, 'package.json')); // "type": "module"
  symlinkSync(installedPackages(here), join(machine, 'node_modules'));
  const bin = join(dirname(createRequire(import.meta.url).resolve('@minigun/strategy-bullmq/package.json')), 'bin', 'minigun-bullmq-worker.js');
  const args = [bin, join(machine, 'examples', '67-bullmq-workers.ts'), '--concurrency', '2', '--lock-duration-ms', '2000', '--stalled-interval-ms', '1000'];
  // The Redis URL in the environment: a URL with a password must not show in `ps`.
  const worker = spawn(process.execPath, args, { env: { ...process.env, MINIGUN_REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (d: Buffer) => (String(d).includes('serving') ? resolve() : undefined));
    worker.once('exit', (code) => reject(new Error(`a worker exited with code ${code} at start`)));
  });
  return worker;
}

if (isMain(import.meta)) {
  const redis = await startRedis();
  const machines = Array.from({ length: 4 }, (_, i) => mkdtempSync(join(tmpdir(), `minigun-machine-${i}-`)));
  const workers: ChildProcess[] = [];
  try {
    workers.push(...(await Promise.all(machines.map((m) => startWorker(m, redis.url)))));
    const victim = workers[0]!;
    let killedAt = 0;
    const registry = new Registry().use(bullmqStrategies({ connection: redis.url, lockDurationMs: 2000, stalledIntervalMs: 1000 }));
    const result = await scoring.run({
      registry,
      progressIntervalMs: 50,
      progress: (e) => {
        if (killedAt === 0 && (e.stages.save?.done ?? 0) >= 40) {
          killedAt = e.stages.save!.done;
          victim.kill('SIGKILL');
        }
      },
    });
    const saved = (result.collected.saved ?? []) as Array<{ n: number; worker: string }>;
    const perWorker = new Map<string, number>();
    for (const s of saved) perWorker.set(s.worker, (perWorker.get(s.worker) ?? 0) + 1);
    console.log(`67 bullmq: ${saved.length} inputs done by ${perWorker.size} workers (one killed after ${killedAt} inputs were saved):`);
    for (const [worker, count] of [...perWorker].sort())
      console.log(`  worker ${worker}${worker.endsWith(`/${victim.pid}`) ? ' (killed)' : ''}: ${count} inputs`);
    console.log(`  retried attempts: ${result.stats.stages.score!.retried}`);
    expect(result.status === 'completed', `the run completed (status ${result.status})`);
    expect(result.errors.length === 0, `no input failed (${result.errors.map((e) => e.message).join('; ') || 'none'})`);
    const ns = saved.map((s) => s.n).sort((a, b) => a - b);
    expect(ns.length === INPUTS && ns.every((n, i) => n === i + 1), `each of the ${INPUTS} inputs was done exactly once, despite the killed worker`);
    expect(killedAt > 0, 'a worker was killed mid-run');
    expect(perWorker.size >= 2, 'the work was spread over several worker processes');
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
    await redis.stop();
    for (const m of machines) rmSync(m, { recursive: true, force: true });
  }
  done('67-bullmq-workers');
}
