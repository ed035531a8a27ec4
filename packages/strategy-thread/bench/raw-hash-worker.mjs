// The hash workload's hand-written reference: a worker thread hashes its share of the paths (workerData) with
// 8 lanes, the same read + sha256 as the Minigun stage (hashFile), and posts the sum of the sizes. No pool, no
// chunking, no messages per input: the cost of the work itself on two threads, to read the targets against.
import { parentPort, workerData } from 'node:worker_threads';
import { hashFile } from './fib.mjs';

const paths = workerData;
let next = 0;
let sum = 0;
const lane = async () => {
  while (next < paths.length) {
    const size = await hashFile(paths[next++]);
    sum += size; // not `sum += await …`: that reads sum before the await and loses the other lanes' sizes
  }
};
await Promise.all(Array.from({ length: 8 }, lane));
parentPort.postMessage(sum);
