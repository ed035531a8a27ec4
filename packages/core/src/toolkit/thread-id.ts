/**
 * This isolate's `worker_threads` threadId, read on first use rather than imported at load time: a child
 * process's main thread is always 0, and importing `node:worker_threads` (with its internal modules) would
 * add to every child's start-up. A worker entry that knows its id tells it (`WorkerChannel.threadId`); it is
 * kept on `globalThis` under a registered symbol, so that every copy of core in the isolate (a transport's
 * worker half may load its own) sees it.
 */
import { createRequire } from 'node:module';

const KEY = Symbol.for('minigun.threadId');
const slot = globalThis as Record<symbol, number | undefined>;

/** Records this isolate's threadId, known to its worker entry (0 in a child process's main thread). */
export function rememberThreadId(id: number): void {
  slot[KEY] = id;
}

export function currentThreadId(): number {
  slot[KEY] ??= (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).threadId;
  return slot[KEY];
}
