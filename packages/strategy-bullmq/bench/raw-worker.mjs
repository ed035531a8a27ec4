// A raw BullMQ worker process for the baseline: returns n + 1, concurrency from argv. It loads BullMQ and
// ioredis with require, as the strategy's workers do (src/libraries.ts: an ESM import of these CommonJS
// packages costs a scan of their sources), so that both sides pay the same start-up.
import { createRequire } from 'node:module';
import process from 'node:process';

const require = createRequire(import.meta.url);
const { Worker } = require('bullmq');
const { Redis } = require('ioredis');

const [url, queue, prefix, concurrency] = process.argv.slice(2);
const worker = new Worker(queue, async (job) => job.data.n + 1, {
  connection: new Redis(url, { maxRetriesPerRequest: null }),
  prefix,
  concurrency: Number(concurrency),
});
worker.on('error', () => undefined);
await worker.waitUntilReady();
process.send?.('ready');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
