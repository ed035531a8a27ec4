/**
 * Accumulators (`p.batch`, `p.accumulator`): items are buffered per key and handed on as one batch when a
 * buffer is full, when its `maxWaitMs` passes, or when the stage closes. Kept apart from the run because a
 * flush has its own rules: it is a unit of pending work of its own, and the flushes of one stage run one after
 * another so that batches stay in order. The run only hands items in and asks for the remainder when closing.
 */
import { ErrorCodes, MinigunError, toError } from '../errors.js';
import { createOutput } from './output.js';
import { isThenable, type AnyFn, type Maybe, type RunPort } from './run-port.js';
import type { StageNode } from './stage-node.js';

export function accumulate(run: RunPort, node: StageNode, item: unknown): Maybe {
  const spec = node.spec.accumulator!;
  if (spec.spread === true && Array.isArray(item)) {
    // p.rebatch: each element is an input of its own (the run counted the array as one).
    node.counters.in += item.length - 1;
    let wait: Maybe = undefined;
    for (const element of item) wait = add(run, node, element) ?? wait;
    return wait;
  }
  return add(run, node, item);
}

/** Adds one item to its buffer; flushes the buffer when full (the promise: backpressure of that flush). */
function add(run: RunPort, node: StageNode, item: unknown): Maybe {
  const spec = node.spec.accumulator!;
  let key: unknown;
  try {
    key = spec.key === undefined ? undefined : (spec.key as AnyFn)(item);
  } catch (e) {
    node.counters.failed++;
    run.recordItemError(node, item, toError(e), 1);
    return;
  }
  let buffer = node.buffers.get(key);
  if (buffer === undefined) {
    buffer = { items: [] };
    node.buffers.set(key, buffer);
    if (spec.maxWaitMs !== undefined) buffer.timer = setTimeout(() => void flush(run, node, key), spec.maxWaitMs);
  }
  buffer.items.push(item);
  if (buffer.items.length >= spec.maxSize) return flush(run, node, key);
}

/** Flushes every buffer of the stage (it is closing, or items reached it after it finished). */
export function flushAll(run: RunPort, node: StageNode): void {
  for (const key of [...node.buffers.keys()]) void flush(run, node, key);
}

/** The run stops: buffered items are cancelled, never flushed. */
export function cancelBuffered(node: StageNode): void {
  for (const buffer of node.buffers.values()) {
    node.counters.cancelled += buffer.items.length;
    clearTimeout(buffer.timer);
  }
  node.buffers.clear();
}

/** The run ended: no `maxWaitMs` timer may fire any more. */
export function clearFlushTimers(node: StageNode): void {
  for (const b of node.buffers.values()) clearTimeout(b.timer);
}

/** Emits one buffer as a batch. Flushes of one accumulator run one after another, so batches stay in order. */
function flush(run: RunPort, node: StageNode, key: unknown): Maybe {
  const buffer = node.buffers.get(key);
  if (buffer === undefined || run.ended) return;
  node.buffers.delete(key);
  clearTimeout(buffer.timer);
  const items = buffer.items;
  run.addPending(1);
  const emitBatch = (): Maybe => {
    let r: unknown;
    try {
      r =
        node.spec.fn === undefined ? run.emitFrom(node, items) : (node.spec.fn as AnyFn)(items, node.sharedOut ?? createOutput(run, node, undefined), node.ctx);
    } catch (e) {
      return flushFailed(run, node, items, e);
    }
    if (isThenable(r)) {
      return Promise.resolve(r).then(
        (v) => flushDone(run, node, items, node.spec.fn === undefined ? undefined : v),
        (e: unknown) => flushFailed(run, node, items, e),
      );
    }
    return flushDone(run, node, items, node.spec.fn === undefined ? undefined : r);
  };
  if (node.flushTail !== undefined) {
    const tail: Promise<void> = node.flushTail.then(emitBatch);
    node.flushTail = tail;
    void tail.then(() => {
      if (node.flushTail === tail) node.flushTail = undefined;
    });
    return tail;
  }
  const r = emitBatch();
  if (r !== undefined) {
    node.flushTail = r;
    void r.then(() => {
      if (node.flushTail === r) node.flushTail = undefined;
    });
  }
  return r;
}

function flushDone(run: RunPort, node: StageNode, items: unknown[], value: unknown): Maybe {
  node.counters.done += items.length;
  const wait = value !== undefined && !run.stopping ? run.emitFrom(node, value) : undefined;
  if (wait === undefined) return run.done();
  return wait.then(
    () => run.done(),
    () => run.done(),
  );
}

function flushFailed(run: RunPort, node: StageNode, items: unknown[], e: unknown): void {
  if (run.stopping && isCancelled(e)) node.counters.cancelled += items.length;
  else {
    node.counters.failed += items.length;
    run.recordItemError(node, items, toError(e), 1);
  }
  run.done();
}

function isCancelled(e: unknown): boolean {
  return e instanceof MinigunError && e.code === ErrorCodes.CANCELLED;
}
