/**
 * The parent of a run dies (SIGKILL) mid-run, in its own process: the worker (started by the test) lives on,
 * drops the dead run's remaining jobs instead of running them, keeps serving other runs, and every key of
 * the dead run is gone from Redis once its run-key TTL (runTtlMs, 2 s here) has passed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { slow } from './fixtures/parent-dies.mjs';
import { assertAccounting, redisForFile, registry, sleep, sorted, startWorker, tempDir, waitFor } from './util.js';

const MODULE = new URL('./fixtures/parent-dies.mjs', import.meta.url).pathname;
const PARENT = new URL('./fixtures/dying-parent.mjs', import.meta.url).pathname;
const QUEUE = 'minigun:bullmq-parent-dies~work';
const RUN_TTL_MS = 2000;

const redis = redisForFile();

const ran = (dir: string): number => readdirSync(dir).filter((f) => f.startsWith('ran-')).length;

async function until(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

it("a parent SIGKILLed mid-run: the worker drops the dead run's jobs, keeps serving, and no key of the run outlives runTtlMs", async () => {
  const worker = await startWorker(MODULE, redis.url, ['--concurrency', '1']);
  const probe = new Redis(redis.url);
  const dir = tempDir();
  const parent = spawn(process.execPath, [PARENT, redis.url, dir, String(RUN_TTL_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let parentOutput = '';
  parent.stdout!.on('data', (d: Buffer) => (parentOutput += d.toString()));
  parent.stderr!.on('data', (d: Buffer) => (parentOutput += d.toString()));
  const parentExited = new Promise<NodeJS.Signals | null>((resolve) => parent.once('exit', (_code, signal) => resolve(signal)));
  try {
    // Each input takes 1 s on the one worker (concurrency 1), while the parent keeps 4 jobs out: when it
    // dies, more work is queued than the worker can do before the run's keys expire.
    await waitFor(() => ran(dir) >= 2, 60_000, `two inputs to run (parent output: ${parentOutput})`);
    const [setupKey] = await probe.keys('minigun:minigun:run:*:setup');
    expect(setupKey).toBeDefined();
    const run = setupKey!.split(':')[3]!;
    parent.kill('SIGKILL');
    expect(await parentExited).toBe('SIGKILL');
    expect(parentOutput).not.toContain('finished');

    // The jobs of the dead run left in Redis, and their inputs.
    const ids = [...(await probe.lrange(`${QUEUE}:wait`, 0, -1)), ...(await probe.lrange(`${QUEUE}:active`, 0, -1))].filter((id) => id.startsWith(`${run}.`));
    expect(ids.length).toBeGreaterThan(1);
    const pending: number[] = [];
    for (const id of ids) {
      const data = JSON.parse((await probe.hget(`${QUEUE}:${id}`, 'data'))!) as { inputs: string };
      for (const bytes of deserialize(Buffer.from(data.inputs, 'base64')) as Uint8Array[]) pending.push(deserialize(Buffer.from(bytes)) as number);
    }

    // Within the TTL (plus a renewal the parent may have made just before it died) the run's own keys are
    // gone; the worker then takes the jobs left and drops them, so no key of the run remains at all.
    await until(async () => (await probe.keys(`minigun:minigun:run:${run}:*`)).length === 0, RUN_TTL_MS + 5000, "the dead run's keys to expire");
    await until(async () => (await probe.keys(`*${run}*`)).length === 0, 30_000, "the dead run's jobs to be dropped");
    // Some of its queued inputs never ran: dropped, not run without a parent to receive their outcomes.
    expect(pending.some((n) => !existsSync(join(dir, `ran-${n}`)))).toBe(true);
    const after = ran(dir);
    await sleep(1500);
    expect(ran(dir)).toBe(after);
    expect(await probe.llen(`${QUEUE}:wait`)).toBe(0);
    expect(await probe.llen(`${QUEUE}:active`)).toBe(0);

    // The worker lives on and serves the next run.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
    const r = await slow.run({ state: { count: 6, delayMs: 0, dir: tempDir() }, registry: registry({ connection: redis.url }) });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((r.stats.stages.work!.strategyDetails?.workers as Array<{ pid: number }>).map((w) => w.pid)).toEqual([worker.pid]);
    assertAccounting(r);
    expect(await probe.keys('*:minigun:run:*')).toEqual([]);
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    await parentExited;
    probe.disconnect();
    await worker.stop();
  }
}, 120_000);
