/**
 * The output of a successful isolated attempt that is read back from a transport (an async iterable of
 * emissions): delivered as it is read, with backpressure, so a large output is never held whole. Unordered
 * stages deliver it at once; ordered stages hold only the stream (not what it yields) until the input's turn.
 * A read that fails part-way fails that input without a retry: what was read is already delivered, and a
 * retry would deliver it twice.
 */
import { toError } from '../errors.js';
import type { Emission } from '../strategy/strategy.js';
import type { RunPort } from './run-port.js';
import type { StageNode } from './stage-node.js';

/** What delivering a stream needs beyond `RunPort`: collecting. */
export interface StreamRun extends RunPort {
  collect(key: string, value: unknown): void;
}

/** An ordered input's output waiting for its turn: the stream to read then, and the input (for its error). */
export interface HeldStream {
  readonly stream: AsyncIterable<Emission>;
  readonly item: unknown;
}

export function isHeldStream(value: unknown): value is HeldStream {
  return value !== null && typeof value === 'object' && 'stream' in value;
}

/** Whether an executor's answer is a stream to read (rather than a list it already holds). */
export function isStream(emissions: Iterable<Emission> | AsyncIterable<Emission>): emissions is AsyncIterable<Emission> {
  return !Array.isArray(emissions) && Symbol.asyncIterator in emissions;
}

/**
 * Reads `stream` to its end, delivering each emission; counts the input as done (or filtered) or, if the
 * read fails, as failed with its error recorded. The caller releases the input.
 */
export async function deliverStream(run: StreamRun, node: StageNode, item: unknown, stream: AsyncIterable<Emission>): Promise<void> {
  let emitted = 0;
  try {
    for await (const e of stream) {
      if (run.ended) break;
      // Collected values are results of an input that is counted done, so they are kept while the run
      // stops, as with outputs held in memory; only emits downstream end with the stop.
      if (e.kind === 'collect') {
        run.collect(e.key, e.value);
        continue;
      }
      if (e.kind === 'total') {
        node.counters.total = e.n;
        continue;
      }
      if (run.stopping) continue;
      emitted++;
      const wait = e.to === undefined ? run.emitFrom(node, e.item) : run.emitTo(node, run.route(node, e.to), e.item);
      // A refused emit means the run is stopping: the loop ends at the next check.
      if (wait !== undefined) await wait.catch(() => undefined);
    }
  } catch (error) {
    if (run.ended) return;
    node.counters.failed++;
    run.recordItemError(node, item, toError(error), 1);
    return;
  }
  if (run.ended) return;
  node.counters.done++;
  if (emitted === 0 && node.targets.length > 0) node.counters.filtered++;
}
