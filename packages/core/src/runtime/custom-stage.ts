/**
 * Custom stages (`p.stage`): the stage function reads its input as an async iterable and emits whenever it
 * likes; `concurrency` runners share the stage's queue. Kept apart from processors because its pending-work
 * rules differ: an item stays pending until its runner asks for the next one (the loop body that handled it is
 * over then), and once the input has ended the runners themselves count as pending work (they may still emit).
 */
import { ErrorCodes, MinigunError, toError } from '../errors.js';
import { createOutput } from './output.js';
import type { AnyFn, Maybe, RunPort } from './run-port.js';
import type { StageNode } from './stage-node.js';

/** Hands an item to a waiting runner, else queues it. */
export function enqueueCustom(run: RunPort, node: StageNode, item: unknown): Maybe {
  if (node.runnersAlive === 0 && node.phase !== 'open') {
    node.counters.failed++;
    const error = new MinigunError(
      ErrorCodes.STAGE_CLOSED,
      `Stage "${node.name}" of pipeline "${run.pipeline}" received an item after its input stream ended (it was routed there with out.to() late). Route it to a processor instead.`,
      { pipeline: run.pipeline, stage: node.name },
    );
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

/** Starts the stage's runners: `concurrency` calls of the stage function, each reading the shared queue. */
export function startCustom(run: RunPort, node: StageNode): void {
  for (let i = 0; i < node.concurrency; i++) {
    node.runnersAlive++;
    let holding = false;
    let heldValue: unknown;
    // An item taken from the queue stays pending until the runner asks for the next one (or returns):
    // that is when the loop body that handled it is over.
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
        if (node.queue.length > 0) {
          const value = node.queue.shift();
          node.releaseRoom();
          node.active++;
          holding = true;
          heldValue = value;
          return Promise.resolve({ done: false, value });
        }
        if (node.phase !== 'open' || run.stopping) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) =>
          node.readers.push((r) => {
            holding = !r.done;
            heldValue = r.value;
            resolve(r);
          }),
        );
      },
      return: () => {
        settleHeld();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    const input: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => iterator };
    const out = node.sharedOut ?? createOutput(run, node, undefined);
    Promise.resolve()
      .then(() => (node.spec.fn as AnyFn)(input, out, node.ctx))
      .then(
        () => {
          settleHeld();
          runnerEnded(run, node);
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
            // The error belongs to the item the runner held, if any.
            run.recordItemError(node, held ? heldValue : undefined, toError(e), 1);
          }
          runnerEnded(run, node);
        },
      );
  }
}

/** The stage closes: its input stream ends. The runners may still emit, so they count as pending work until they return. */
export function closeCustomInput(run: RunPort, node: StageNode): void {
  run.addPending(node.runnersAlive);
  endWaitingReads(node);
}

/** Ends the input stream of every runner waiting for an item (closing, or the run stops). */
export function endWaitingReads(node: StageNode): void {
  for (const r of node.readers.splice(0)) r({ done: true, value: undefined });
}

function runnerEnded(run: RunPort, node: StageNode): void {
  if (run.ended) return;
  node.runnersAlive--;
  if (node.phase !== 'open') run.addPending(-1); // counted as pending when the input was closed
  if (node.runnersAlive === 0) {
    // Nobody reads the queue any more: what is left can never be handled.
    const left = node.queue.drain();
    for (const item of left) {
      node.counters.failed++;
      run.addPending(-1);
      run.recordItemError(
        node,
        item,
        new MinigunError(ErrorCodes.STAGE_CLOSED, `Custom stage "${node.name}" returned before reading this item.`, {
          pipeline: run.pipeline,
          stage: node.name,
        }),
        0,
      );
    }
    node.releaseRoom();
  }
  run.checkQuiescence();
}
