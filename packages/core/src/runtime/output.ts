/**
 * What a stage's emits turn into: the `out` handed to a stage function, and ordered output, where each
 * input's emits are held and released in input order. Kept apart from delivery (run.ts), which decides where
 * an emitted item goes and whether the emitter must wait; this file only decides when an emit is sent.
 */
import type { Output } from '../types.js';
import { announceTotal } from './progress.js';
import type { RunPort } from './run-port.js';
import type { HeldEmit, HeldOutput, StageNode } from './stage-node.js';
import { deliverStream, isHeldStream, type StreamRun } from './streamed.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** What ordered output needs beyond `RunPort`: the end of an input, and what a held stream delivers. */
export interface OrderedRun extends StreamRun {
  /** An input is over: its slot is freed. */
  release(node: StageNode): void;
}

/**
 * The `out` handed to a stage function. With `hold`, emits are buffered (ordered output) instead of
 * delivered; `emitted` counts emits so a successful input that emitted nothing counts as filtered.
 */
export function createOutput(run: RunPort, node: StageNode, hold: HeldEmit[] | undefined): Output & { emitted: number } {
  const out = {
    emitted: 0,
    emit: (item: unknown): Promise<void> => {
      out.emitted++;
      if (hold !== undefined) {
        hold.push({ item });
        return RESOLVED;
      }
      return run.emitFrom(node, item) ?? RESOLVED;
    },
    to: (name: string) => {
      const target = run.route(node, name);
      return {
        emit: (item: unknown): Promise<void> => {
          out.emitted++;
          if (hold !== undefined) {
            hold.push({ to: target, item });
            return RESOLVED;
          }
          return run.emitTo(node, target, item) ?? RESOLVED;
        },
      };
    },
    total: (n: number) => announceTotal(node.counters, n, run.pipeline, node.name),
  };
  return out;
}

/**
 * Ordered output: hold each input's output until every earlier input has been released: its emits, `null`
 * when it failed, or the stream its emits are read from (read only when its turn comes).
 */
export function holdOrdered(run: OrderedRun, node: StageNode, seq: number, output: HeldOutput): void {
  node.held.set(seq, output);
  if (!node.releasing) void releaseOrdered(run, node);
}

async function releaseOrdered(run: OrderedRun, node: StageNode): Promise<void> {
  node.releasing = true;
  while (node.held.has(node.releaseSeq) && !run.ended) {
    const output = node.held.get(node.releaseSeq)!;
    node.held.delete(node.releaseSeq);
    node.releaseSeq++;
    if (isHeldStream(output)) await deliverStream(run, node, output.item, output.stream);
    else {
      for (const e of output ?? []) {
        if (run.stopping) break;
        const wait = e.to === undefined ? run.emitFrom(node, e.item) : run.emitTo(node, e.to, e.item);
        // A refused emit means the run is stopping: the loop ends at the next check.
        if (wait !== undefined) await wait.catch(() => undefined);
      }
    }
    run.release(node);
  }
  node.releasing = false;
}
