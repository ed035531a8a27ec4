// A raw BullMQ worker process for the baseline: returns n + 1, concurrency from argv.
import process from 'node:process';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

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
