// One memory row of the bullmq benchmark, in a fresh plain-node process (no TypeScript loader, so the RSS is
// the run's own): `node --expose-gc bench/memory.mjs <redis url> <n>`. Runs n trivial inputs through the
// dispatch pipeline (2 local workers), sampling Redis `INFO memory` (used_memory) and this process's RSS
// every 100 ms, and prints one JSON line: { n, ms, sum, redisBefore, redisPeak, rssBefore, rssPeak, heapAfter }.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Registry } from '@minigun/core';
import { bullmqStrategies } from '@minigun/strategy-bullmq';
import { dispatchBullmq } from './pipelines.mjs';

const [url, nText] = process.argv.slice(2);
const n = Number(nText);
const probe = new Redis(url);
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await probe.info('memory'))[1]);
globalThis.gc?.();
const redisBefore = await usedMemory();
const rssBefore = process.memoryUsage().rss;
let redisPeak = redisBefore;
let rssPeak = rssBefore;
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    redisPeak = Math.max(redisPeak, await usedMemory());
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    await sleep(100);
  }
})();
const started = performance.now();
const state = { n, sum: 0 };
const r = await dispatchBullmq.run({ state, registry: new Registry().use(bullmqStrategies({ connection: url, localWorkers: 2 })) });
const ms = performance.now() - started;
sampling = false;
await sampler;
globalThis.gc?.();
const heapAfter = process.memoryUsage().heapUsed;
const runKeys = (await probe.keys('*:minigun:run:*')).length;
probe.disconnect();
if (r.status !== 'completed' || r.errors.length > 0) throw new Error(`memory run of ${n}: ${r.status} ${r.errors[0]?.message}`);
process.stdout.write(`${JSON.stringify({ n, ms, sum: state.sum, redisBefore, redisPeak, rssBefore, rssPeak, heapAfter, runKeys })}\n`);
