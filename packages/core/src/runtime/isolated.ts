/**
 * Stages of isolated strategies (thread, fork, …): their executors and transports are opened before the
 * first input and closed after the last, and an attempt runs in the executor and comes back as a list (or a
 * stream) of emissions, delivered only once the attempt has succeeded. Kept apart from inline processing,
 * which is the hot path: an isolated input costs a round trip anyway, so this code may await freely.
 */
import { CHANNEL_TRANSPORT, type Registry } from '../strategy/registry.js';
import { ErrorCodes, MinigunError, toError } from '../errors.js';
import type { RunError } from '../types.js';
import type { Emission } from '../strategy/strategy.js';
import { holdOrdered, type OrderedRun } from './output.js';
import { deliverStream, isStream, type StreamRun } from './streamed.js';
import type { HeldEmit, StageNode } from './stage-node.js';
import { createStrategyHost, openTransport, stageInfo, type HostDeps } from './strategy-host.js';

/** What an isolated attempt needs beyond `RunPort`: the run's signal, collecting, and how a processor's attempt ends. */
export interface IsolatedRun extends StreamRun, OrderedRun {
  readonly signal: AbortSignal;
  /** An attempt succeeded: its emits are delivered (ordered output: once every earlier input was released). */
  succeeded(node: StageNode, item: unknown, value: unknown, t0: number, noEmits: boolean, hold: HeldEmit[] | undefined, seq: number): void;
  /** An attempt failed: retried, or recorded (and the input released). */
  failed(node: StageNode, item: unknown, attempt: number, seq: number, thrown: unknown, t0: number): void;
  /** An internal fault: the run fails. */
  fault(e: unknown): void;
}

/**
 * Opens the transports and creates the executors of the stages that are not inline, in order. Stops at the
 * first failure and returns it (the run then fails without starting).
 */
export async function createExecutors(nodes: readonly StageNode[], registry: Registry, deps: HostDeps): Promise<RunError | undefined> {
  const failure = (node: StageNode, e: unknown): RunError => {
    const error = toError(e);
    return { kind: 'run', stage: node.name, message: error.message, error, attempts: 1 };
  };
  for (const node of nodes) {
    if (node.strategy === 'inline') continue;
    const strategy = registry.strategy(node.strategy)!;
    const transportName = node.spec.options.transport;
    if (strategy.isolated && transportName !== undefined && transportName !== CHANNEL_TRANSPORT) {
      try {
        node.transport = await openTransport(registry.transport(transportName)!, stageInfo(node, deps));
      } catch (e) {
        return failure(node, e);
      }
    }
    const host = createStrategyHost(node, deps);
    try {
      const slots = strategy.slots?.(host.stage);
      if (slots !== undefined) node.slots = Math.max(1, Math.floor(slots));
      node.executor = await strategy.createExecutor(host);
    } catch (e) {
      return failure(node, e);
    }
    // A custom stage in an isolated strategy must run in its workers; a strategy that runs stages in this
    // isolate (and has no stream()) leaves it to the runner, which runs it here.
    if (node.kind === 'stage' && strategy.isolated && node.executor.stream === undefined) {
      return failure(
        node,
        new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `Stage "${node.name}" of pipeline "${deps.pipeline}" is a custom stage, which the ${node.strategy} strategy cannot run (its executor has no stream()). Run it inline, or make it a processor.`,
          { pipeline: deps.pipeline, stage: node.name },
        ),
      );
    }
  }
  return undefined;
}

/** Closes every executor, then its transport; failures are handed to `failed` as they happen. */
export async function closeExecutors(nodes: readonly StageNode[], mode: 'graceful' | 'force', failed: (error: RunError) => void): Promise<void> {
  const closing = (node: StageNode, what: string, error: unknown): void => {
    const e = toError(error);
    failed({ kind: 'run', stage: node.name, message: `closing ${what} of stage "${node.name}" failed: ${e.message}`, error: e, attempts: 1 });
  };
  await Promise.all(
    nodes.map(async (node) => {
      const executor = node.executor;
      const transport = node.transport;
      // Through a promise, so that a plugin's close() that throws synchronously is reported like a rejection.
      if (executor !== undefined)
        await Promise.resolve(mode)
          .then((m) => executor.close(m))
          .catch((e: unknown) => closing(node, 'the executor', e));
      // After the executor: no worker writes any more, and nothing is read any more.
      if (transport !== undefined)
        await Promise.resolve()
          .then(() => transport.session.close())
          .catch((e: unknown) => closing(node, `transport "${transport.name}"`, e));
    }),
  );
}

/** One attempt of a processor's or consumer's input in the stage's executor. */
export function attemptIsolated(run: IsolatedRun, node: StageNode, item: unknown, attempt: number, seq: number): void {
  const t0 = node.counters.sample() ? performance.now() : 0;
  // Through a promise, so that an executor throwing synchronously fails the attempt, not the emitter.
  Promise.resolve({ input: item, attempt, signal: run.signal })
    .then((a) => node.executor!.execute(a))
    .then(
      async (emissions) => {
        if (run.ended) return;
        if (isStream(emissions)) {
          // Read back from a transport: streamed when delivered, never held whole (ordered: when its turn comes).
          if (t0 !== 0) node.counters.latency.add(performance.now() - t0);
          if (seq >= 0) return holdOrdered(run, node, seq, { stream: emissions, item });
          await deliverStream(run, node, item, emissions);
          run.release(node);
          return;
        }
        // All or nothing: the attempt succeeded, so its emissions are delivered now, in order.
        const hold: HeldEmit[] = [];
        for (const e of emissions) {
          if (e.kind === 'collect') run.collect(e.key, e.value);
          else if (e.kind === 'total') node.counters.total = e.n;
          else hold.push({ item: e.item, to: e.to === undefined ? undefined : run.route(node, e.to) });
        }
        if (seq >= 0) {
          run.succeeded(node, item, undefined, t0, hold.length === 0, hold, seq);
          return;
        }
        if (t0 !== 0) node.counters.latency.add(performance.now() - t0);
        node.counters.done++;
        if (hold.length === 0 && node.targets.length > 0) node.counters.filtered++;
        for (const e of hold) {
          if (run.stopping) break;
          const wait = e.to === undefined ? run.emitFrom(node, e.item) : run.emitTo(node, e.to, e.item);
          // A refused emit means the run is stopping: the loop ends at the next check.
          if (wait !== undefined) await wait.catch(() => undefined);
        }
        run.release(node);
      },
      (e: unknown) => run.failed(node, item, attempt, seq, e, t0),
    )
    .catch((e: unknown) => run.fault(e));
}

/** A producer run by its executor: its emissions are delivered (with backpressure) as they come. */
export async function produceIsolated(run: IsolatedRun, node: StageNode): Promise<void> {
  await node.executor!.produce!(deliverEmission(run, node), run.signal);
}

/**
 * Delivers what a streaming stage (a producer, a custom stage's reader) sends from its worker, as it comes:
 * collects and totals at once, emits with backpressure (rejecting once the run is stopping).
 */
export function deliverEmission(run: IsolatedRun, node: StageNode): (e: Emission) => Promise<void> {
  return async (e) => {
    if (e.kind === 'collect') return run.collect(e.key, e.value);
    if (e.kind === 'total') {
      node.counters.total = e.n;
      return;
    }
    const wait = e.to === undefined ? run.emitFrom(node, e.item) : run.emitTo(node, run.route(node, e.to), e.item);
    if (wait !== undefined) await wait;
  };
}
