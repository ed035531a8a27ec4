/**
 * The plugin contract: what a strategy or transport package implements and registers. Documented in
 * packages/core/README.md ("Writing a strategy"). The built-in `inline` strategy is declared here too, but
 * the runner executes it directly (a synchronous fast path) rather than through an executor.
 */
import type { Logger, StageKind, WorkerInfo } from '../types.js';
import type { ResolvedStageOptions } from '../definition/options.js';

/** What a strategy is told about the stage it runs. */
export interface StageInfo {
  readonly pipeline: string;
  /** Full stage name (`'sub/step'`). */
  readonly stage: string;
  readonly kind: StageKind;
  /**
   * The module isolated workers on this machine import to find the stage: `options.module`, or for a
   * TypeScript module the JavaScript the run compiled from it (a `<name>.ts.<hash>.mjs` file in the cache).
   */
  readonly module?: string;
  /**
   * The pipeline module's URL or path as given (`options.module`, a `.ts` file staying `.ts`). A strategy
   * whose workers run on other machines, from their own copy of the module, names and checks this one.
   */
  readonly sourceModule?: string;
  readonly options: ResolvedStageOptions;
}

/** One item a worker sends back: an emit (to the stage's targets, or to a named stage) or a collect. */
export type Emission =
  | { readonly kind: 'emit'; readonly item: unknown; readonly to?: string }
  | { readonly kind: 'collect'; readonly key: string; readonly value: unknown }
  /** `out.total(n)` called in a worker: the stage's announced total, for progress (checked, a whole number). */
  | { readonly kind: 'total'; readonly n: number };

/** One attempt of one input, as handed to an executor. */
export interface Attempt {
  readonly input: unknown;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the run is cancelled; the executor should stop the attempt (after the grace period, kill). */
  readonly signal: AbortSignal;
}

/**
 * One item a reader of a custom stage took off the stage's queue (`StreamInput.take`). It counts as active
 * until it is settled, exactly once, by one of its methods; later calls do nothing.
 */
export interface StreamItem {
  readonly value: unknown;
  /** The stage function is finished with it: it asked for its next item, or returned. */
  done(): void;
  /** The stage function threw while it held the item (or its worker died): recorded with `error` (cancelled while the run stops). */
  fail(error: Error): void;
  /** The stage function never read it (it returned, or its worker died, first): back to the stage's queue for another reader. */
  unread(): void;
}

/** One reader's view of a custom stage's queue, as the runner hands it to `StageExecutor.stream`. */
export interface StreamInput {
  /**
   * The next item of the stage's queue; waits while the queue is empty. `undefined` once the stage's input
   * has ended, the run is stopping, or the reader is over (its `stream` call settled).
   */
  take(): Promise<StreamItem | undefined>;
}

/**
 * Runs the inputs of one stage for one run. Processors, consumers: `execute` per input attempt. Producers:
 * `produce` once. Custom stages: `stream` once per reader. The runner handles queues, retries, accounting,
 * ordering and hooks that run in the parent.
 */
export interface StageExecutor {
  /**
   * Runs one attempt and resolves with what it emitted and collected, in order. Rejecting fails the attempt
   * (the runner retries or records it); the attempt's emissions are then discarded (all or nothing).
   */
  execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>>;
  /** Runs a producer, streaming each emission through `emit`, which waits while downstream is full. */
  produce?(emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void>;
  /**
   * Runs one reader of a custom stage (`p.stage`): the stage function, in a worker, reads the items taken
   * from `input` as its input stream, and each of its emits and collects goes to `emit` as it happens (which
   * waits while downstream is full). The runner calls it `concurrency` times; the readers share the queue.
   * Every item taken must be settled (the toolkit's `StreamPump` does it). Resolves when the stage function
   * returned; rejects when it, or its worker, failed while holding no item. Without it, the strategy cannot
   * run custom stages (refuse them in `validate`, e.g. with the toolkit's `rejectCustomStage`).
   */
  stream?(input: StreamInput, emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Releases workers. `force`: kill now (second signal, grace period over). Called once per run. */
  close(mode: 'graceful' | 'force'): Promise<void>;
  /**
   * How many attempts the executor wants at once right now, at most `Strategy.slots`. A pool that chunks
   * asks for more only while inputs are cheap, so that a slow stage still holds back its producer
   * (backpressure stays about queueSize + concurrency). Default: the slots.
   */
  capacity?(): number;
  /**
   * The stage's live workers (id, pid or threadId, busy), for progress and the HUD. Optional; called at the
   * progress interval only, so it may build a fresh array. Without it, progress shows the busy-slot count.
   */
  workers?(): readonly WorkerInfo[];
  /**
   * Facts about how the stage runs that a user may want to see (e.g. which start method cow-fork chose),
   * reported in `result.stats.stages[name].strategyDetails`. Optional; plain, JSON-friendly values.
   */
  details?(): Readonly<Record<string, unknown>>;
}

/** What the runner offers an executor. */
export interface StrategyHost {
  readonly stage: StageInfo;
  /** The parent's run state (isolated strategies snapshot it when a worker starts). */
  readonly state: unknown;
  readonly signal: AbortSignal;
  /** The run's logger, prefixed with pipeline and stage (for what a strategy decides once per run). */
  readonly log: Logger;
  /**
   * The stage's transport when it is not the channel (`options.transport`), opened by the runner for this
   * run and closed when the run ends, however it ends. `forkSetup` hands its worker half to each worker;
   * `emissionsOf` reads an outcome's records back through it.
   */
  readonly transport?: OpenTransport;
  /** Runs the `beforeFork` hooks for this stage in the parent; call before each worker starts. */
  beforeFork(info: { workerId: number }): Promise<void>;
  /**
   * What is still to come for this stage, a hint for workers started ahead of their input (spare
   * processes): `queued` inputs wait in its queue (not yet handed to `execute`), and `more` tells whether
   * further ones may still arrive along its edges (a stage upstream is still running or holds items).
   * `out.to()` from any stage can still send an input after `more` turned false. `{ queued: 0, more: false }`
   * once the run is stopping.
   */
  upcoming(): { readonly queued: number; readonly more: boolean };
  /**
   * Runs the stage function here, in this isolate, for one input, and resolves with what it emitted and
   * collected (a returned value of a processor is the last emit). For strategies that schedule work
   * in-process; isolated strategies run the stage in their workers instead.
   */
  invoke(input: unknown): Promise<Emission[]>;
  /** Runs a producer stage function here, passing each emission to `emit` (which applies backpressure). */
  produce(emit: (e: Emission) => Promise<void>): Promise<void>;
  /** Appends to `result.collected[key]` outside any attempt (e.g. collects of an afterFork hook in a worker). */
  collect(key: string, value: unknown): void;
  /** Reports a hook that failed inside a worker (recorded in `result.errors` and passed to `onError`). */
  hookFailed(point: 'afterFork', error: Error, workerId?: number): void;
  /**
   * Reports a fault of the stage outside any input, e.g. a worker that died while idle (no input is lost,
   * but its cause must not be): recorded in `result.errors` (`kind: 'run'`, with the stage) and passed to
   * `onError`. The run goes on.
   */
  reportError(error: Error): void;
}

export interface Strategy {
  readonly name: string;
  /**
   * True when stage code runs in another isolate (worker thread, child process): inputs, emits and state
   * are structured-cloned and the pipeline needs `options.module`.
   */
  readonly isolated: boolean;
  /** Refuse stage kinds or options the strategy cannot run (throw a MinigunError); called before the run starts. */
  validate?(stage: StageInfo): void;
  /**
   * How many attempts of the stage the runner may hand to `execute` at once. Default: the stage's
   * `concurrency`. A pool that sends inputs to its workers in chunks asks for more, to have chunks to send.
   */
  slots?(stage: StageInfo): number;
  /** Creates the executor of one stage for one run. */
  createExecutor(host: StrategyHost): StageExecutor | Promise<StageExecutor>;
  /**
   * Ends what the strategy keeps between runs (warm worker pools of `keepAlive`), now and as runs still in
   * progress finish; called by `registry.close()`. Runs after it still work, but keep nothing.
   */
  close?(): Promise<void>;
}

/**
 * Moves emissions out of an isolated worker by another way than the worker's own channel (e.g. files).
 * The parent half (`open`) runs in the parent, once per stage and run; the worker half (`workerModule`)
 * is imported in each worker and writes what the stage's attempts emit and collect.
 */
export interface Transport {
  readonly name: string;
  /**
   * Module the worker imports (an absolute file URL or a package specifier): it exports
   * `createTransportWriter(config, where)` returning a `TransportWriter` (see `CreateTransportWriter`).
   */
  readonly workerModule: string;
  open(stage: StageInfo): Promise<TransportSession>;
}

/** A transport opened for one stage in one run (parent side). */
export interface TransportSession {
  /** Structured-cloneable settings handed to the worker half. */
  readonly config: unknown;
  /**
   * Streams back the records behind `ref` (made by the worker half for one committed attempt), in the order
   * they were written. Reading to the end, or stopping early, releases them.
   */
  read(ref: string): AsyncIterable<Emission>;
  /** Releases what `ref` points at without reading it (an attempt that will not be delivered). */
  discard(ref: string): Promise<void>;
  /** Removes everything the session created; called once when the run ends, however it ends. */
  close(): Promise<void>;
}

/** A stage's transport as the runner hands it to the executor: the session and where its worker half is. */
export interface OpenTransport {
  readonly name: string;
  readonly workerModule: string;
  readonly session: TransportSession;
}

/**
 * The worker half of a transport. A worker runs inputs in groups (one chunk of inputs per message): each
 * input is one attempt whose records are kept only if it commits.
 */
export interface TransportWriter {
  group(): TransportWriteGroup;
  /** The worker is shutting down. */
  close?(): Promise<void>;
}

export interface TransportWriteGroup {
  /** Starts the next attempt of the group; attempts of one group run one after another. */
  attempt(): TransportAttemptWriter;
  /** Every attempt has committed or aborted: one ref per committed attempt, in commit order. */
  finish(): Promise<string[]>;
}

export interface TransportAttemptWriter {
  /** Writes one record. Rejects when it cannot (disk full, unserialisable value): the attempt then fails. */
  write(emission: Emission): Promise<void>;
  /** The attempt succeeded: its records must become readable. Rejecting fails the attempt. */
  commit(): Promise<void>;
  /** The attempt failed: its records must never be read. */
  abort(): Promise<void>;
}

/** What a transport's `workerModule` exports as `createTransportWriter`. */
export type CreateTransportWriter = (
  config: unknown,
  where: { readonly pipeline: string; readonly stage: string; readonly workerId: number },
) => TransportWriter | Promise<TransportWriter>;

/** What `registry.use()` takes: a named set of strategies and transports. */
export interface MinigunPlugin {
  readonly name: string;
  readonly strategies?: readonly Strategy[];
  readonly transports?: readonly Transport[];
}
