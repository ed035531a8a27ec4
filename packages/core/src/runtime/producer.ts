/**
 * Producers: stages without input that emit until they return (by calling `out.emit`, or by returning an
 * iterable or async iterable). A producer is one unit of pending work for as long as it runs, and its input
 * counts as closed the moment it returns; inline producers run here, isolated ones in their executor.
 */
import { toError } from '../errors.js';
import { drainProduced } from './drain.js';
import { produceIsolated, type IsolatedRun } from './isolated.js';
import type { AnyFn } from './run-port.js';
import type { StageNode } from './stage-node.js';

export function runProducer(run: IsolatedRun, node: StageNode): void {
  run.addPending(1);
  node.active++;
  node.counters.in++;
  node.counters.started();
  const finish = (error?: unknown): void => {
    if (run.ended) return;
    node.active--;
    // A producer still running when the run stopped is unfinished, whether it then returned (it watched
    // ctx.signal) or threw (its emit was refused): cancelled, in every strategy.
    if (run.stopping) node.counters.cancelled++;
    else if (error === undefined) node.counters.done++;
    else {
      node.counters.failed++;
      run.recordItemError(node, undefined, toError(error), 1);
    }
    // A producer's input is closed the moment it returns; it finishes at the next quiescence.
    node.phase = 'closing';
    run.done();
  };
  const produced = node.executor?.produce !== undefined ? produceIsolated(run, node) : produceInline(run, node);
  produced.then(
    () => finish(),
    (e: unknown) => finish(e ?? new Error('producer rejected without a reason')),
  );
}

async function produceInline(run: IsolatedRun, node: StageNode): Promise<void> {
  const result = await (node.spec.fn as AnyFn)(node.sharedOut!, node.ctx);
  await drainProduced(
    result,
    (item) => run.emitFrom(node, item),
    () => run.stoppedError(node),
  );
}
