/**
 * A TypeScript pipeline module: the parent compiles it once for the workers on its machine (local workers),
 * while a worker elsewhere imports its own copy of the .ts source through tsx. Function sources differ
 * between the two, and each kind of worker must still be recognised as running the stage's code.
 */
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { tsApp } from './fixtures/ts-app/pipeline.js';
import { assertAccounting, itemErrors, redisForFile, registry, startWorker, tempDir } from './util.js';

const APP = fileURLToPath(new URL('./fixtures/ts-app', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

const redis = redisForFile();

const ids = (r: { collected: Record<string, unknown> }): number[] => (r.collected.scored as Array<{ id: number }>).map((s) => s.id).sort((a, b) => a - b);

it('local workers run the JavaScript the parent compiled from a .ts module', async () => {
  const r = await tsApp.run({ state: { count: 30 }, registry: registry({ connection: redis.url, localWorkers: 1 }) });
  expect(itemErrors(r)).toEqual([]);
  expect(r.status).toBe('completed');
  expect(ids(r)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  assertAccounting(r);
}, 60_000);

it('a remote worker that imports its own copy of the .ts source through tsx takes the jobs', async () => {
  const machine = tempDir('minigun-ts-machine-');
  cpSync(APP, join(machine, 'app'), { recursive: true });
  symlinkSync(NODE_MODULES, join(machine, 'app', 'node_modules'));
  const worker = await startWorker(join(machine, 'app', 'pipeline.ts'), redis.url, ['--concurrency', '2'], machine);
  try {
    const r = await tsApp.run({ state: { count: 30 }, registry: registry({ connection: redis.url }) });
    expect(itemErrors(r)).toEqual([]);
    expect(r.status).toBe('completed');
    expect(ids(r)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(new Set((r.collected.scored as Array<{ pid: number }>).map((s) => s.pid))).toEqual(new Set([worker.pid]));
    assertAccounting(r);
    expect(await redis.keys('*:minigun:run:*')).toEqual([]);
  } finally {
    await worker.stop();
  }
}, 60_000);
