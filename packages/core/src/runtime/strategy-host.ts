/**
 * What the runner hands a strategy's executor for one stage (`StrategyHost`): the stage's description, the
 * run's state and signal, its transport, the parent-side fork hooks, and a way to run the stage function in
 * this isolate (for in-process schedulers) with its emits and collects captured rather than delivered.
 */
import { HookError } from '@minigun/hooks';
import { ErrorCodes, MinigunError, toError } from '../errors.js';
import type { Emission, OpenTransport, StageInfo, StrategyHost, Transport } from '../strategy/strategy.js';
import type { Output, RunContext } from '../types.js';
import { drainProduced } from './drain.js';
import { announceTotal } from './progress.js';
import type { StageNode } from './stage-node.js';

type AnyFn = (...args: unknown[]) => unknown;

/** The parts of the run a host needs. */
export interface HostDeps {
  readonly pipeline: string;
  /** What workers on this machine import (compiled when TypeScript), and the module as given. */
  readonly module?: string;
  readonly sourceModule?: string;
  readonly state: unknown;
  readonly signal: AbortSignal;
  /** Resolves an out.to() name (throws on unknown names). */
  route(node: StageNode, name: string): unknown;
  beforeFork(node: StageNode, workerId: number): Promise<void>;
  collect(key: string, value: unknown): void;
  hookFailed(point: 'afterFork', node: StageNode, error: HookError): void;
  /** A fault of a stage outside any input. */
  stageFault(node: StageNode, error: Error): void;
  /** The error a producer stops with once the run is stopping. */
  stopped(node: StageNode): Error | undefined;
}

export function stageInfo(node: StageNode, deps: Pick<HostDeps, 'pipeline' | 'module' | 'sourceModule'>): StageInfo {
  const { pipeline, module, sourceModule } = deps;
  return { pipeline, stage: node.name, kind: node.kind, module, sourceModule, options: node.spec.options };
}

/** Opens a stage's transport for one run; a failure names the transport and the stage. */
export async function openTransport(transport: Transport, stage: StageInfo): Promise<OpenTransport> {
  try {
    return { name: transport.name, workerModule: transport.workerModule, session: await transport.open(stage) };
  } catch (error) {
    if (error instanceof MinigunError) throw error;
    throw new MinigunError(
      ErrorCodes.TRANSPORT,
      `Transport "${transport.name}" could not open for stage "${stage.stage}" of pipeline "${stage.pipeline}": ${toError(error).message}`,
      { pipeline: stage.pipeline, stage: stage.stage, cause: error },
    );
  }
}

export function createStrategyHost(node: StageNode, deps: HostDeps): StrategyHost {
  return {
    stage: stageInfo(node, deps),
    state: deps.state,
    signal: deps.signal,
    log: node.ctx.log,
    transport: node.transport,
    beforeFork: (info) => deps.beforeFork(node, info.workerId),
    upcoming: () => (deps.signal.aborted ? { queued: 0, more: false } : { queued: node.queue.length, more: node.mayReceiveInput() }),
    collect: (key, value) => deps.collect(key, value),
    hookFailed: (point, error) => {
      const hookError = error instanceof HookError ? error : new HookError({ point, level: 'pipeline', origin: deps.pipeline, stage: node.name }, error);
      deps.hookFailed(point, node, hookError);
    },
    reportError: (error) => deps.stageFault(node, toError(error)),
    invoke: async (input) => {
      const emissions: Emission[] = [];
      const { out, ctx } = capturing(node, deps, (e) => emissions.push(e));
      const value = await (node.spec.fn as AnyFn)(input, out, ctx);
      if (value !== undefined && node.kind === 'processor') emissions.push({ kind: 'emit', item: value });
      return emissions;
    },
    produce: async (emit) => {
      const { out, ctx } = capturing(node, deps, (e) => emit(e));
      await drainProduced(
        await (node.spec.fn as AnyFn)(out, ctx),
        (item) => emit({ kind: 'emit', item }),
        () => deps.stopped(node),
      );
    },
  };
}

/** An `out` and `ctx` whose emits and collects are handed to `sink` instead of delivered. */
function capturing(node: StageNode, deps: HostDeps, sink: (e: Emission) => unknown): { out: Output; ctx: RunContext } {
  const out: Output = {
    emit: async (item) => {
      await sink({ kind: 'emit', item });
    },
    to: (name) => {
      deps.route(node, name); // fail fast on unknown names, inside the attempt
      return { emit: async (item) => void (await sink({ kind: 'emit', item, to: name })) };
    },
    total: (n) => announceTotal(node.counters, n, deps.pipeline, node.name),
  };
  const ctx: RunContext = { ...node.ctx, collect: (key, value) => void sink({ kind: 'collect', key, value }) };
  return { out, ctx };
}
