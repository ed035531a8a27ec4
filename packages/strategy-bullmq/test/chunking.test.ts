/**
 * How inputs are packed into jobs: a job pays several Redis round trips, so inputs of a few ms go several to
 * a job (about 50 ms of work each), while inputs slower than that go one per job, so that workers stay
 * balanced. Counted from the jobs each worker process reports in the stage's strategyDetails.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { faults } from './fixtures/faults.mjs';
import { startRedis, type RedisServer } from './redis-server.js';
import { assertAccounting, cleanupDirs, registry, sorted, tempDir } from './util.js';

interface WorkerDetail {
  jobs: number;
  inputs: number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  cleanupDirs();
});

async function jobsFor(count: number, delayMs: number): Promise<{ jobs: number; inputs: number }> {
  const r = await faults.run({ state: { count, dir: tempDir(), delayMs }, registry: registry({ connection: redis.url, localWorkers: 2 }) });
  expect(r.status).toBe('completed');
  expect(sorted(r.collected.out)).toEqual(range(count));
  assertAccounting(r);
  const workers = (r.stats.stages.work!.strategyDetails?.workers ?? []) as WorkerDetail[];
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
