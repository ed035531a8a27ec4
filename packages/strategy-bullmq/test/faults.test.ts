import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pipeline } from '@minigun/core';
import { describe, expect, it } from 'vitest';
import { counted } from './fixtures/counted.mjs';
import { faults, faultsNoRetry } from './fixtures/faults.mjs';
import { startRedis } from './redis-server.js';
import { assertAccounting, codeOf, itemErrors, redisForFile, registry, sorted, startWorker, stillAlive, tempDir, waitFor } from './util.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Live child processes of this test process running the worker command (Linux: read from /proc). */
function workerChildren(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('worker-cli.js')) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}
const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;

const redis = redisForFile();

describe('bullmq faults', () => {
  it('retries the inputs of a worker SIGKILLed mid-job on another worker, delivering nothing twice', async () => {
    const dir = tempDir();
    const r = await faults.run({ state: { count: 12, dir, killOn: [5], delayMs: 20 }, registry: registry({ connection: redis.url, localWorkers: 2 }) });
    expect(r.status).toBe('completed');
    expect(itemErrors(r)).toEqual([]);
    expect(sorted(r.collected.out)).toEqual(range(12));
    expect(r.stats.stages.work!.retried).toBeGreaterThanOrEqual(1);
    // The killed attempt emitted before it died: not delivered. Every input's successful attempt: once.
    const attempts = (r.collected.attempts as Array<{ n: number }>).map((a) => a.n);
    expect(sorted(attempts)).toEqual(range(12));
    // The error of the lost job named the worker: reported as a stage fault (the local worker died).
    expect(r.errors.some((e) => e.kind === 'run' && /local bullmq worker \(pid \d+\)/.test(e.message))).toBe(true);
    assertAccounting(r);
  }, 60_000);

  it('fails an input whose output cannot be cloned, naming the stage and the path', async () => {
    const r = await faults.run({ state: { count: 6, dir: tempDir(), uncloneableOn: [3] }, registry: registry({ connection: redis.url, localWorkers: 1 }) });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual([0, 1, 2, 4, 5]);
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    expect(codeOf(errors[0]!)).toBe('ERR_MINIGUN_UNCLONEABLE');
    expect(errors[0]!.message).toMatch(/Stage "work".*the emitted item\.format is a function/);
    assertAccounting(r);
  }, 60_000);

  it('refuses jobs in a worker whose module lacks the stage, or has other code in it, naming both', async () => {
    for (const [folder, pattern] of [
      ['lacks-stage', /refuses the job: .*no stage "work"/],
      [
        'changed-code',
        /refuses the job: stage "work" of pipeline "bullmq-faults" has different code there \(fingerprint \w+\) than in the run's parent \(\w+\)/,
      ],
    ] as const) {
      const worker = await startWorker(fixture(`${folder}/faults.mjs`), redis.url, ['--pipeline', 'bullmq-faults', '--stages', 'work']);
      try {
        const r = await faults.run({ state: { count: 3, dir: tempDir() }, registry: registry({ connection: redis.url }) });
        expect(r.status).toBe('completed');
        expect(r.collected.out).toBeUndefined();
        const errors = itemErrors(r);
        expect(errors).toHaveLength(3);
        for (const e of errors) {
          expect(codeOf(e)).toBe('ERR_MINIGUN_WORKER_SETUP');
          expect(e.message).toMatch(pattern);
          expect(e.message).toContain(`pid ${worker.pid}`);
          expect(e.message).toContain(folder);
        }
        assertAccounting(r);
      } finally {
        await worker.stop();
      }
    }
  }, 90_000);

  it('fails the inputs clearly, without hanging, when every worker is gone', async () => {
    const dir = tempDir();
    const started = Date.now();
    const r = await faultsNoRetry.run({
      state: { count: 8, dir, killOn: [2], always: true, delayMs: 50 },
      registry: registry({ connection: redis.url, localWorkers: 1, noWorkerTimeoutMs: 5000 }),
    });
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(codeOf(e)).toBe('ERR_MINIGUN_WORKER_DIED');
    // The job that was running was lost with its worker (named); the others found no worker to serve them.
    expect(errors.some((e) => /was lost: its worker \(host .+, pid \d+\) stopped renewing/.test(e.message))).toBe(true);
    expect(errors.some((e) => /No worker has served stage "work"/.test(e.message))).toBe(true);
    assertAccounting(r);
  }, 60_000);

  it('aborts ctx.signal in workers on cancel, and leaves no key of the run in Redis', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const running = faults.run({
      state: { count: 20, dir, waitForAbort: true },
      signal: controller.signal,
      graceMs: 10_000,
      registry: registry({ connection: redis.url, localWorkers: 2 }),
    });
    await waitFor(() => existsSync(`${dir}/started-0`), 30_000, 'the first input to start');
    controller.abort();
    const r = await running;
    expect(r.status).toBe('cancelled');
    expect((r.collected.aborted as number[]).length).toBeGreaterThan(0);
    expect(itemErrors(r)).toEqual([]);
    assertAccounting(r);
    expect(await redis.keys('*:minigun:run:*')).toEqual([]);
    expect((await redis.keys('*')).filter((k) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(k))).toEqual([]);
  }, 60_000);

  it('fails the run clearly when Redis dies mid-run, and leaves no worker process behind', async () => {
    const own = await startRedis();
    const dir = tempDir();
    let pids: number[] = [];
    try {
      const started = Date.now();
      const running = faults.run({
        state: { count: 400, dir, delayMs: 30 },
        progressIntervalMs: 50,
        progress: (e) => {
          if ((e.stages.sink?.done ?? 0) >= 5 && own.process.exitCode === null && own.process.signalCode === null) own.kill();
        },
        registry: registry({ connection: own.url, localWorkers: 2, redisLostMs: 1000 }),
      });
      const r = await running;
      pids = [...new Set((r.collected.handled as Array<{ pid: number }>).map((h) => h.pid))];
      expect(Date.now() - started).toBeLessThan(60_000);
      const redisErrors = r.errors.filter((e) => codeOf(e) === 'ERR_MINIGUN_REDIS');
      expect(redisErrors.length).toBeGreaterThan(0);
      expect(redisErrors[0]!.message).toContain(`Lost the connection to Redis at redis://127.0.0.1:${own.port}`);
      assertAccounting(r);
      expect(await stillAlive(pids, 10_000)).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 90_000);

  it('a worker stopped with SIGTERM finishes its active jobs and exits 0; nothing is lost or retried', async () => {
    const module = fixture('faults.mjs');
    const workers = [await startWorker(module, redis.url, ['--pipeline', 'bullmq-faults-no-retry', '--stages', 'work', '--concurrency', '2'])];
    workers.push(await startWorker(module, redis.url, ['--pipeline', 'bullmq-faults-no-retry', '--stages', 'work', '--concurrency', '2']));
    try {
      const dir = tempDir();
      let stopped: Promise<number | null> | undefined;
      const r = await faultsNoRetry.run({
        state: { count: 16, dir, delayMs: 400 },
        registry: registry({ connection: redis.url }),
        progressIntervalMs: 50,
        progress: (e) => {
          if (stopped === undefined && (e.stages.sink?.done ?? 0) >= 2) {
            const victim = workers[0]!.child;
            stopped = new Promise((resolve) => victim.once('exit', (code) => resolve(code)));
            victim.kill('SIGTERM');
          }
        },
      });
      expect(stopped).toBeDefined();
      expect(await stopped).toBe(0);
      expect(r.status).toBe('completed');
      expect(itemErrors(r)).toEqual([]);
      expect(sorted(r.collected.out)).toEqual(range(16));
      expect(r.stats.stages.work!.retried).toBe(0);
      assertAccounting(r);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 90_000);

  it("keeps the jobs waiting or active in Redis within the stage's concurrency (plus jobs finishing)", async () => {
    const probe = new Redis(redis.url);
    let most = 0;
    let mostWaiting = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        // One atomic read of both lists (a job moving from one to the other is counted once).
        const replies = (await probe.multi().llen('minigun:bullmq-faults~work:wait').llen('minigun:bullmq-faults~work:active').exec()) ?? [];
        const [wait, active] = replies.map((r) => Number(r[1]));
        most = Math.max(most, wait! + active!);
        mostWaiting = Math.max(mostWaiting, wait!);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      const r = await faults.run({ state: { count: 120, dir: tempDir(), delayMs: 10 }, registry: registry({ connection: redis.url, localWorkers: 2 }) });
      expect(sorted(r.collected.out)).toEqual(range(120));
      assertAccounting(r);
    } finally {
      sampling = false;
      await sampler;
      probe.disconnect();
    }
    expect(most).toBeGreaterThan(0);
    // At most 4 (the concurrency) jobs without an outcome; a job whose outcome has arrived may still be
    // active for the moment BullMQ takes to complete and remove it: one per worker slot (2 workers × 2).
    expect(mostWaiting).toBeLessThanOrEqual(4);
    expect(most).toBeLessThanOrEqual(4 + 4);
  }, 60_000);

  it("fails the stage's inputs clearly when the run's keys vanish from Redis mid-run (a Redis restarted without persistence)", async () => {
    const probe = new Redis(redis.url);
    let deleted: Promise<number> | undefined;
    try {
      const started = Date.now();
      const r = await faultsNoRetry.run({
        state: { count: 200, dir: tempDir(), delayMs: 20 },
        registry: registry({ connection: redis.url, localWorkers: 1 }),
        progressIntervalMs: 50,
        progress: (e) => {
          if (deleted === undefined && (e.stages.sink?.done ?? 0) >= 5) deleted = probe.keys('minigun:minigun:run:*').then((keys) => probe.del(...keys));
        },
      });
      expect(await deleted).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(45_000);
      expect(r.status).toBe('completed');
      const failed = itemErrors(r);
      expect(failed.length).toBeGreaterThan(0);
      for (const e of failed) {
        expect(codeOf(e)).toBe('ERR_MINIGUN_REDIS');
        expect(e.message).toMatch(
          /The keys of this run of stage "work" \(pipeline "bullmq-faults-no-retry"\) vanished from Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(Redis restarted without persistence/,
        );
      }
      // Reported once as a stage fault too; every input is accounted for, and nothing of the run remains.
      expect(r.errors.filter((e) => e.kind === 'run' && codeOf(e) === 'ERR_MINIGUN_REDIS')).toHaveLength(1);
      expect((r.collected.out as number[]).length + failed.length).toBe(200);
      assertAccounting(r);
      expect(await redis.keys('*:minigun:run:*')).toEqual([]);
    } finally {
      probe.disconnect();
    }
  }, 60_000);

  it('fails the run before it starts when Redis is unreachable, with the URL without its password', async () => {
    const r = await faults.run({ state: { count: 3, dir: tempDir() }, registry: registry({ connection: 'redis://:s3cret@127.0.0.1:1/0' }) });
    expect(r.status).toBe('failed');
    expect((r.error as Error & { code?: string }).code).toBe('ERR_MINIGUN_REDIS');
    expect(r.error!.message).toContain('redis://:***@127.0.0.1:1/0');
    expect(r.error!.message).not.toContain('s3cret');
    expect(r.stats.stages.source!.in).toBe(0);
  }, 30_000);

  it('refuses a Redis that may evict keys, unless allowEviction', async () => {
    const evicting = await startRedis(['--maxmemory-policy', 'allkeys-lru']);
    try {
      const r = await faults.run({ state: { count: 2, dir: tempDir() }, registry: registry({ connection: evicting.url, localWorkers: 1 }) });
      expect(r.status).toBe('failed');
      expect(r.error!.message).toMatch(/maxmemory-policy allkeys-lru.*noeviction/);
      const warned = await faults.run({
        state: { count: 2, dir: tempDir() },
        registry: registry({ connection: evicting.url, localWorkers: 1, allowEviction: true }),
      });
      expect(warned.status).toBe('completed');
      expect(sorted(warned.collected.out)).toEqual([0, 1]);
    } finally {
      await evicting.stop();
    }
  }, 60_000);

  it.runIf(existsSync('/proc'))(
    'stops the local workers it started when a check before the run fails, without reporting them as dead',
    async () => {
      const evicting = await startRedis(['--maxmemory-policy', 'allkeys-lru']);
      try {
        // Local workers are started before the Redis checks; the refused Redis must not leave them running.
        const r = await faults.run({ state: { count: 2, dir: tempDir() }, registry: registry({ connection: evicting.url, localWorkers: 2 }) });
        expect(r.status).toBe('failed');
        expect(r.error!.message).toMatch(/maxmemory-policy allkeys-lru/);
        expect(r.errors.filter((e) => (e.error as Error & { code?: string }).code === 'ERR_MINIGUN_WORKER_DIED')).toEqual([]);
        expect(workerChildren()).toEqual([]);
      } finally {
        await evicting.stop();
      }
    },
    60_000,
  );
});

/**
 * How inputs are packed into jobs: a job pays several Redis round trips, so inputs of a few ms go several to
 * a job (about 50 ms of work each), while inputs slower than that go one per job, so that workers stay
 * balanced. Counted from the jobs each worker process reports in the stage's strategyDetails.
 */
describe('bullmq chunking', () => {
  async function jobsFor(count: number, delayMs: number): Promise<{ jobs: number; inputs: number }> {
    const r = await faults.run({ state: { count, dir: tempDir(), delayMs }, registry: registry({ connection: redis.url, localWorkers: 2 }) });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual(range(count));
    assertAccounting(r);
    const workers = (r.stats.stages.work!.strategyDetails?.workers ?? []) as Array<{ jobs: number; inputs: number }>;
    return { jobs: workers.reduce((s, w) => s + w.jobs, 0), inputs: workers.reduce((s, w) => s + w.inputs, 0) };
  }

  it('sends inputs of a few ms several to a job', async () => {
    // 5 ms each: about 8 to a job once the first jobs have measured them (at least 5 ms each, whatever the load).
    const { jobs, inputs } = await jobsFor(80, 5);
    expect(inputs).toBe(80);
    expect(jobs).toBeLessThanOrEqual(40);
  }, 60_000);

  it('sends inputs slower than a job should take one per job', async () => {
    const { jobs, inputs } = await jobsFor(12, 60);
    expect(inputs).toBe(12);
    expect(jobs).toBe(12);
  }, 60_000);
});

describe('bullmq parent fingerprints', () => {
  /** Runs `counted` twice through one registry with MINIGUN_TEST_IMPORT_LOG set; returns where the module was imported. */
  async function importsOverTwoRuns(log: string, reg: ReturnType<typeof registry>): Promise<Array<[pid: number, thread: number]>> {
    for (let i = 0; i < 2; i++) {
      const r = await counted.run({ state: { count: 3 }, registry: reg });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out as number[])).toEqual([1, 2, 3]);
    }
    return readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number) as [number, number]);
  }

  it('are computed once per strategy instance: a second run imports the module in no new thread of the parent', async () => {
    const log = join(tempDir('minigun-imports-'), 'imports');
    process.env.MINIGUN_TEST_IMPORT_LOG = log;
    const worker = await startWorker(fixture('counted.mjs'), redis.url, ['--pipeline', 'bullmq-counted', '--stages', 'work']);
    try {
      const imports = await importsOverTwoRuns(log, registry({ connection: redis.url }));
      // The fingerprint thread of the first run only; the worker serving both runs imported it once, at its start.
      expect(imports.filter(([pid, thread]) => pid === process.pid && thread !== 0)).toHaveLength(1);
      expect(imports.filter(([pid]) => pid === worker.pid)).toHaveLength(1);
    } finally {
      delete process.env.MINIGUN_TEST_IMPORT_LOG;
      await worker.stop();
    }
  }, 60_000);

  it('come from the local workers when there are some: the parent imports the module in no thread at all', async () => {
    const log = join(tempDir('minigun-imports-'), 'imports');
    process.env.MINIGUN_TEST_IMPORT_LOG = log;
    try {
      const imports = await importsOverTwoRuns(log, registry({ connection: redis.url, localWorkers: 1 }));
      expect(imports.filter(([pid, thread]) => pid === process.pid && thread !== 0)).toEqual([]);
      // Each run's local worker imported it in its own process, once.
      const others = imports.filter(([pid]) => pid !== process.pid);
      expect(others).toHaveLength(2);
      expect(new Set(others.map(([pid]) => pid)).size).toBe(2);
    } finally {
      delete process.env.MINIGUN_TEST_IMPORT_LOG;
    }
  }, 60_000);

  it('fail the run before it starts when the local workers cannot import the module or lack the stage, with what they said', async () => {
    const broken = join(tempDir('minigun-broken-'), 'broken.mjs');
    writeFileSync(broken, "throw new Error('this module is broken on purpose');\n");
    for (const [module, pattern] of [
      [broken, /could not be loaded the way workers load it: pid \d+: .*this module is broken on purpose/],
      [fixture('lacks-stage/faults.mjs'), /does not export that pipeline with that stage/],
    ] as const) {
      const lonely = pipeline('bullmq-faults', { module }, (p) => {
        p.producer('source', async (out) => {
          for (let i = 0; i < 3; i++) await out.emit(i);
        });
        p.processor('work', { strategy: 'bullmq' }, (n: number) => n + 1);
      });
      const r = await lonely.run({ registry: registry({ connection: redis.url, localWorkers: 2 }) });
      expect(r.status).toBe('failed');
      expect(codeOf(r.errors[0]!)).toBe('ERR_MINIGUN_WORKER_SETUP');
      expect(r.errors[0]!.message).toMatch(pattern);
      expect(workerChildren()).toEqual([]);
    }
  }, 60_000);
});
