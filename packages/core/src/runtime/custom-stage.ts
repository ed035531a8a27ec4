/**
 * Custom stages (`p.stage`): the stage function reads its input as an async iterable and emits whenever it
 * likes; `concurrency` readers share the stage's queue. Kept apart from processors because its pending-work
 * rules differ: an item stays pending until its reader asks for the next one (the loop body that handled it is
 * over then), and once the input has ended the readers themselves count as pending work (they may still emit).
 *
 * Inline, each reader is a call of the stage function here. In an isolated strategy, each reader is one
 * `StageExecutor.stream` call: the stage function runs in a worker, and the executor takes items from this
 * queue (`StreamInput`) and settles each one (`StreamItem`) as the worker reports what it did with it.
 */
import { ErrorCodes, MinigunError, toError } from '../errors.js';
import type { StreamInput, StreamItem } from '../strategy/strategy.js';
import { deliverEmission, type IsolatedRun } from './isolated.js';
import { createOutput } from './output.js';
import type { AnyFn, Maybe, RunPort } from './run-port.js';
import type { StageNode } from './stage-node.js';

/** Hands an item to a waiting reader, else queues it. */
export function enqueueCustom(run: RunPort, node: StageNode, item: unknown): Maybe {
  // Once its readers have started, a stage with none left can never read the item: fail it now rather than
  // queue it for nobody (which would keep the run from ever ending).
  if (node.runnersAlive === 0 && (node.phase !== 'open' || node.readersStarted)) {
    node.counters.failed++;
    const error =
      node.phase !== 'open'
        ? new MinigunError(
            ErrorCodes.STAGE_CLOSED,
            `Stage "${node.name}" of pipeline "${run.pipeline}" received an item after its input stream ended (it was routed there with out.to() late). Route it to a processor instead.`,
            { pipeline: run.pipeline, stage: node.name },
          )
        : noReaderLeft(run, node);
    run.recordItemError(node, item, error, 1);
    return;
  }
  run.addPending(1);
  const reader = node.readers.shift();
  if (reader !== undefined) {
    node.active++;
    reader({ done: false, value: item });
    return;
  }
  return node.enqueue(item);
}

/** Starts the stage's readers: `concurrency` calls of the stage function (or of its executor), sharing the queue. */
export function startCustom(run: IsolatedRun, node: StageNode): void {
  node.readersStarted = true;
  for (let i = 0; i < node.concurrency; i++) {
    if (node.executor?.stream !== undefined) startIsolatedReader(run, node);
    else startInlineReader(run, node);
  }
}

/**
 * Takes the next item off the queue (it becomes active), or waits for one; `done` once the input has ended
 * or the run is stopping. `wait` receives the resolver of a waiting read, so that its reader can withdraw it.
 */
function takeNext(run: RunPort, node: StageNode, wait: (resolve: (r: IteratorResult<unknown>) => void) => void): Promise<IteratorResult<unknown>> {
  if (node.queue.length > 0) {
    const value = node.queue.shift();
    node.releaseRoom();
    node.active++;
    return Promise.resolve({ done: false, value });
  }
  if (node.phase !== 'open' || run.stopping) return Promise.resolve({ done: true, value: undefined });
  return new Promise((resolve) => {
    node.readers.push(resolve);
    wait(resolve);
  });
}

function startInlineReader(run: RunPort, node: StageNode): void {
  node.runnersAlive++;
  let holding = false;
  let heldValue: unknown;
  // An item taken from the queue stays pending until the reader asks for the next one, or the function
  // returns (done) or throws (failed). `return()` (a `for await` left by `break` or by a throw) does not
  // settle it: only how the function ends tells which of the two it was.
  const settleHeld = (): void => {
    if (!holding) return;
    holding = false;
    node.active--;
    node.counters.done++;
    run.done();
  };
  const iterator: AsyncIterator<unknown> = {
    next: () => {
      settleHeld();
      return takeNext(run, node, () => undefined).then((r) => {
        holding = !r.done;
        heldValue = r.value;
        return r;
      });
    },
    return: () => Promise.resolve({ done: true, value: undefined }),
  };
  const input: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => iterator };
  const out = node.sharedOut ?? createOutput(run, node, undefined);
  Promise.resolve()
    .then(() => (node.spec.fn as AnyFn)(input, out, node.ctx))
    .then(
      () => {
        settleHeld();
        readerEnded(run, node);
      },
      (e: unknown) => {
        if (run.ended) return;
        const held = holding;
        if (holding) {
          holding = false;
          node.active--;
          run.addPending(-1);
        }
        if (run.stopping) {
          if (held) node.counters.cancelled++;
        } else {
          if (held) node.counters.failed++;
          // The error belongs to the item the reader held, if any.
          run.recordItemError(node, held ? heldValue : undefined, toError(e), 1);
        }
        readerEnded(run, node);
      },
    );
}

/** One reader in the stage's executor (`StageExecutor.stream`): the stage function runs in a worker. */
function startIsolatedReader(run: IsolatedRun, node: StageNode): void {
  node.runnersAlive++;
  let waiting: ((r: IteratorResult<unknown>) => void) | undefined;
  let over = false;
  const input: StreamInput = {
    take: () => {
      if (over) return Promise.resolve(undefined);
      return takeNext(run, node, (resolve) => (waiting = resolve)).then((r) => {
        waiting = undefined;
        if (r.done) return undefined;
        const item = streamItem(run, node, r.value);
        // Taken after the reader was over (handed to its withdrawn read): back to the queue.
        if (over) {
          item.unread();
          return undefined;
        }
        return item;
      });
    },
  };
  const ended = (): void => {
    over = true;
    // A read still waiting belongs to nobody now: withdraw it, so that no item is handed to it.
    if (waiting !== undefined) {
      const i = node.readers.indexOf(waiting);
      if (i >= 0) node.readers.splice(i, 1);
      waiting({ done: true, value: undefined });
    }
    readerEnded(run, node);
  };
  // Through a promise, so that an executor throwing synchronously ends this reader, not the run.
  Promise.resolve()
    .then(() => node.executor!.stream!(input, deliverEmission(run, node), run.signal))
    .then(ended, (e: unknown) => {
      // A failure outside any item (the items it held were settled by the executor).
      if (!run.ended && !run.stopping) run.recordItemError(node, undefined, toError(e), 1);
      ended();
    });
}

/** An item an isolated reader took: settled exactly once, by whichever of done/fail/unread comes first. */
function streamItem(run: IsolatedRun, node: StageNode, value: unknown): StreamItem {
  let settled = false;
  const settle = (): boolean => {
    if (settled || run.ended) return false;
    settled = true;
    node.active--;
    return true;
  };
  return {
    value,
    done: () => {
      if (!settle()) return;
      node.counters.done++;
      run.done();
    },
    fail: (error) => {
      if (!settle()) return;
      if (run.stopping) node.counters.cancelled++;
      else {
        node.counters.failed++;
        run.recordItemError(node, value, toError(error), 1);
      }
      run.done();
    },
    unread: () => {
      if (!settle()) return;
      if (run.stopping) {
        node.counters.cancelled++;
        run.done();
        return;
      }
      // Still pending: another reader takes it, or it fails once no reader is left (readerEnded).
      const reader = node.readers.shift();
      if (reader !== undefined) {
        node.active++;
        reader({ done: false, value });
      } else if (node.runnersAlive === 0) {
        node.counters.failed++;
        run.recordItemError(node, value, noReaderLeft(run, node), 0);
        run.done();
      } else node.queue.push(value);
    },
  };
}

/** The stage closes: its input stream ends. The readers may still emit, so they count as pending work until they return. */
export function closeCustomInput(run: RunPort, node: StageNode): void {
  run.addPending(node.runnersAlive);
  endWaitingReads(node);
}

/** Ends the input stream of every reader waiting for an item (closing, or the run stops). */
export function endWaitingReads(node: StageNode): void {
  for (const r of node.readers.splice(0)) r({ done: true, value: undefined });
}

function noReaderLeft(run: RunPort, node: StageNode): MinigunError {
  return new MinigunError(
    ErrorCodes.STAGE_CLOSED,
    `Custom stage "${node.name}" of pipeline "${run.pipeline}" has no reader left for this item: every reader of its input returned (or failed) before reading it.`,
    { pipeline: run.pipeline, stage: node.name },
  );
}

function readerEnded(run: RunPort, node: StageNode): void {
  if (run.ended) return;
  node.runnersAlive--;
  if (node.phase !== 'open') run.addPending(-1); // counted as pending when the input was closed
  if (node.runnersAlive === 0) {
    // Nobody reads the queue any more: what is left can never be handled.
    const left = node.queue.drain();
    for (const item of left) {
      node.counters.failed++;
      run.addPending(-1);
      run.recordItemError(node, item, noReaderLeft(run, node), 0);
    }
    node.releaseRoom();
  }
  run.checkQuiescence();
}
