/**
 * This isolate's `worker_threads` threadId, read on first use rather than imported at load time: a child
 * process's main thread is always 0, and importing `node:worker_threads` (with its internal modules) would
 * add to every child's start-up. Worker entries that know their id pass it instead (see `WorkerChannel`).
 */
import { createRequire } from 'node:module';

let threadId: number | undefined;

export function currentThreadId(): number {
  threadId ??= (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).threadId;
  return threadId;
}
