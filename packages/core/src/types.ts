/**
 * Public types of the builder and the runner (the contract is docs/semantics.md). Options are documented
 * where they are declared.
 */
import type { HookContext, HookInfo, PreloadInfo } from '@minigun/hooks';
import type { Registry } from './strategy/registry.js';

/** The kinds of stage a pipeline is made of. `batch` is an accumulator; nested pipelines are flattened. */
export type StageKind = 'producer' | 'processor' | 'consumer' | 'accumulator' | 'stage';

/**
 * How an item emitted by a stage with several targets is distributed: `'broadcast'` (every target),
 * `'round-robin'` (each item to the next target in turn), `'partition'` (by `partitionKey`: one key always to
 * one target) or `'demand'` (to the target with the most free room, ties in turn).
 */
export type Dispatch = 'broadcast' | 'round-robin' | 'partition' | 'demand';

/** `partitionKey`: the key of an item; `null` (or `undefined`) drops the item and counts it as filtered. */
export type PartitionKey = (item: never) => string | number | bigint | boolean | null | undefined;

/** The output handle given to stage functions. */
export interface Output<T = unknown> {
  /**
   * Sends `item` to this stage's targets. The promise resolves once every target accepted it and waits
   * while a target's queue is full (backpressure): await it. Rejects with code `ERR_MINIGUN_CANCELLED`
   * once the run is cancelled or aborted, which ends a producer loop.
   */
  emit(item: T): Promise<void>;
  /**
   * Routes items to one named stage of the pipeline, whatever its place in the graph (dynamic routing).
   * Inside a nested pipeline a bare name is looked up in that pipeline first (`'step'` → `'sub/step'`),
   * then at the top. An unknown name throws `ERR_MINIGUN_UNKNOWN_STAGE` listing the known stages.
   */
  to(stage: string): { emit(item: unknown): Promise<void> };
  /**
   * Announces how many items this stage will emit in all (usually a producer, before its loop), so that
   * progress can show a fraction and an ETA. Optional and informative: nothing checks it. Calling it again
   * replaces the figure. Works in every strategy: called in an isolated worker, the figure is sent to the parent.
   */
  total(n: number): void;
}

/** A minimal logger; `run({ logger })` replaces the default, which writes to the console. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** What a stage function, and every hook, receives as `ctx`. */
export interface RunContext<S = unknown> extends HookContext {
  /** The run's state. Inline stages share the parent's object; isolated workers get a snapshot. */
  readonly state: S;
  /** Name of the current stage (`'sub/step'` inside nested pipelines); absent in pipeline-level hooks. */
  readonly stage?: string;
  /** Name of the pipeline being run. */
  readonly pipeline: string;
  readonly pid: number;
  /** Set inside isolated workers. */
  readonly workerId?: number;
  /** Aborted when the run is cancelled (its `signal`) or stops early (`onError: 'abort'`). */
  readonly signal: AbortSignal;
  /** Appends `value` to `result.collected[key]`, from any strategy. */
  collect(key: string, value: unknown): void;
  /** Logger whose messages are prefixed with pipeline and stage. */
  readonly log: Logger;
}

/** Second argument of stage hooks (`before`, `after`, `beforeFork`, `afterFork`) and of `onError`. */
export type StageHookInfo = HookInfo;

export type BeforeRunHook<S> = (ctx: RunContext<S>) => unknown;
export type AfterRunHook<S> = (ctx: RunContext<S>, result: RunResult) => unknown;
export type StageHook<S> = (ctx: RunContext<S>, info: StageHookInfo) => unknown;
export type ErrorHook<S> = (error: Error, info: StageHookInfo, ctx: RunContext<S>) => unknown;
/** What a `preload` hook is told: the stage whose module was loaded and the process that loaded it. */
export type { PreloadInfo };
/**
 * Runs once in each isolated process (or thread) that loads the pipeline module for a stage, before any
 * afterFork; with cow-fork's fork server, once in the server, and every child shares what it loaded.
 */
export type PreloadHook = (info: PreloadInfo) => unknown;

/** Inline hooks given in a stage's options; they run after pipeline-level and stage-level hooks. */
export interface InlineHooks<S = unknown> {
  before?: StageHook<S>;
  after?: StageHook<S>;
  beforeFork?: StageHook<S>;
  afterFork?: StageHook<S>;
}

/** Options every stage accepts (and contexts apply to the stages defined inside them). */
export interface StageOptions<S = unknown> {
  /** Execution strategy name, resolved in the run's registry. Default `'inline'`. */
  strategy?: string;
  /**
   * How many inputs of this stage run at once, whatever the strategy: async slots (inline), pool size
   * (thread, ipc-fork), live children (cow-fork). A positive integer; default 1. With the thread strategy's
   * `perWorker` option it stays the number of threads, each running up to `perWorker` inputs at once.
   */
  concurrency?: number;
  /** Explicit targets. Several targets receive every item (`dispatch: 'broadcast'`) unless `dispatch` says otherwise. */
  to?: string | readonly string[];
  /** Explicit sources: this stage receives only from these (plus explicit `to`s aimed at it and dynamic routing). */
  from?: string | readonly string[];
  /**
   * `'broadcast'` (default): every target gets every item; `'round-robin'`: each item goes to one target in
   * turn; `'partition'`: by `partitionKey`, one key always to one target; `'demand'`: to the target with the
   * most free room (free slots plus queue room), ties in turn.
   */
  dispatch?: Dispatch;
  /** With `dispatch: 'partition'` (required there, refused elsewhere): the item's key. */
  partitionKey?: PartitionKey;
  /**
   * With `dispatch: 'partition'`: maps a key to a whole number (the target is that number modulo the number of
   * targets). Default: FNV-1a of the key's text, the same in every run and process.
   */
  partitionHash?: (key: string | number | bigint | boolean) => number;
  /** Bound of this stage's input queue; an upstream `emit` waits while it is full. Default 1000. */
  queueSize?: number;
  /** Extra attempts for an input whose attempt throws: `retries: n` means up to n + 1 attempts. Default 0. */
  retries?: number;
  /** Emit in input order under concurrency > 1 (outputs are held until earlier inputs finish). Default false. */
  ordered?: boolean;
  /** `'continue'` (default): a failed input is recorded and the run goes on; `'abort'`: the run stops with status `'failed'`. */
  onError?: 'continue' | 'abort';
  /** Name of a context declared with `p.context(name, options)` whose options apply to this stage. */
  context?: string;
  /** Inline hooks. */
  hooks?: InlineHooks<S>;
  /** Transport that carries emits and collects out of an isolated worker. Default: the worker's channel. */
  transport?: string;
}

/** Options of an accumulator stage. Accumulators always run in the parent, one input at a time, in order. */
export interface AccumulatorOptions<S = unknown>
  extends Pick<StageOptions<S>, 'to' | 'from' | 'dispatch' | 'partitionKey' | 'partitionHash' | 'queueSize' | 'hooks' | 'onError'> {
  /** Flush when this many items are buffered (per key). A positive integer. */
  maxSize: number;
  /** Flush a non-empty buffer this long after its first item arrived, even if not full. */
  maxWaitMs?: number;
  /** Group items into separate buffers by key (e.g. by type); each key flushes on its own. */
  key?: (item: never) => string | number;
}

/** Options of `p.batch(size, options)`. */
export type BatchOptions<S = unknown> = Omit<AccumulatorOptions<S>, 'maxSize'> & { name?: string };

/** Options of `pipeline(name, options, define)`. */
export interface PipelineOptions<S = unknown> {
  /**
   * The defining module's `import.meta.url` (or `__filename`). Required when a stage runs in an isolated
   * strategy: workers import this module to find the stage.
   */
  module?: string;
  /** Defaults applied to every stage (stage and context options win). */
  defaults?: StageOptions<S>;
}

export type ProducerFn<S, T> = (
  out: Output<T>,
  ctx: RunContext<S>,
) => void | Promise<void> | Iterable<T> | AsyncIterable<T> | Promise<Iterable<T> | AsyncIterable<T> | void>;
export type ProcessorFn<S, I, O> = (input: I, out: Output<O>, ctx: RunContext<S>) => O | void | undefined | Promise<O | void | undefined>;
export type ConsumerFn<S, I> = (input: I, out: Output, ctx: RunContext<S>) => unknown;
export type AccumulatorFn<S, I> = (items: I[], out: Output, ctx: RunContext<S>) => unknown;
export type CustomStageFn<S, I> = (input: AsyncIterable<I>, out: Output, ctx: RunContext<S>) => void | Promise<void>;

/** Options of `pipeline.run()`. */
export interface RunOptions<S = unknown> {
  /** The run's state, seen by every stage and hook as `ctx.state`. */
  state?: S;
  /** Where strategies and transports are looked up. Default: `defaultRegistry`. */
  registry?: Registry;
  /** Aborting it cancels the run: producers stop, queued inputs are cancelled, in-flight ones get `graceMs`. */
  signal?: AbortSignal;
  /**
   * How long in-flight inputs may still finish after cancellation before they are abandoned, in ms: 0 to
   * 2^31 - 1, or `Infinity` to wait for them however long they take. Default 5000.
   */
  graceMs?: number;
  /**
   * Handle SIGINT and SIGTERM during the run: the first cancels gracefully (like aborting `signal`), a second
   * stops at once (in-flight inputs are abandoned, workers and children killed). The previous handlers are
   * restored when the run ends. Default false (the CLI turns it on).
   */
  handleSignals?: boolean;
  /**
   * Called every `progressIntervalMs` with live stats (a `ProgressEvent`, which is a `RunStats` plus recent
   * rates, totals and an ETA), and once more when the stages have finished (`final: true`), before
   * `afterRun`. A throwing callback is recorded in `errors` (`kind: 'hook'`, `hook: 'progress'`).
   */
  progress?: (event: ProgressEvent) => void;
  /** Interval of `progress` calls, in ms: above 0, at most 2^31 - 1. Default 1000. */
  progressIntervalMs?: number;
  /** Replaces the console logger behind `ctx.log`. */
  logger?: Logger;
  /** At most this many characters of an input are kept in `errors[i].input` (longer ones are summarised). Default 2000. */
  maxErrorInputChars?: number;
}

export type RunStatus = 'completed' | 'failed' | 'cancelled';

/**
 * One failure of a run: a failed input (`kind: 'item'`), a failing hook, or a fault of the run or of a stage
 * outside any input (`kind: 'run'`: what stopped the run, a worker that died while idle, a failed close).
 */
export interface RunError {
  readonly kind: 'item' | 'hook' | 'run';
  /** The stage the failure belongs to; absent for pipeline-level hooks and run faults. */
  readonly stage?: string;
  /** For `kind: 'hook'`: the hook point. */
  readonly hook?: string;
  readonly message: string;
  readonly error: Error;
  /** The failed input (structured values are kept; values above `maxErrorInputChars` are summarised). */
  readonly input?: unknown;
  /** How many attempts were made. */
  readonly attempts: number;
}

export interface LatencyStats {
  /** Milliseconds, from a reservoir of sampled attempts; 0 when nothing was sampled. */
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly samples: number;
}

/** Per-stage figures. Once the run ends, `in = done + failed + cancelled`. */
export interface StageStats {
  readonly stage: string;
  readonly kind: StageKind;
  readonly strategy: string;
  readonly concurrency: number;
  /** Inputs received (for a producer: its one invocation). */
  readonly in: number;
  /** Inputs that finished successfully (for accumulators: items flushed into a batch). */
  readonly done: number;
  readonly failed: number;
  /** Inputs not finished because the run was cancelled or aborted. */
  readonly cancelled: number;
  /** Extra attempts made (retries). */
  readonly retried: number;
  /** Items emitted downstream (counted once per emit, whatever the number of targets). */
  readonly out: number;
  /** Successful inputs of a stage with downstream edges that emitted nothing. */
  readonly filtered: number;
  readonly latency: LatencyStats;
  /** done / (done + failed), a fraction from 0 to 1 rounded to 3 decimals; 1 while nothing has finished (nothing failed). */
  readonly successRate: number;
  /**
   * Milliseconds per item: the mean time of an attempt (sampled, like the latency); for a producer, its active
   * time per item emitted. 0 until measured.
   */
  readonly timePerItemMs: number;
  /** Inputs done per second over the stage's active time (first input to close); for a producer, items emitted per second. */
  readonly throughput: number;
  /** Inputs currently running (busy slots). */
  readonly active: number;
  readonly queue: { readonly depth: number; readonly max: number; readonly capacity: number };
  /** Estimated share (0..1) of the stage's active time its slots were busy; used to pick the bottleneck. */
  readonly utilization: number;
  /** What the stage announced with `out.total(n)`; absent when it did not. */
  readonly total?: number;
  /** The stage's workers, when its strategy reports them (`StageExecutor.workers`); absent otherwise. */
  readonly workers?: readonly WorkerInfo[];
  /** Facts the stage's strategy reports about how it ran (e.g. cow-fork's `start`), when it reports any. */
  readonly strategyDetails?: Readonly<Record<string, unknown>>;
}

/** One worker of a stage (a thread, a child process), as its strategy reports it. */
export interface WorkerInfo {
  /** The strategy's worker id (`ctx.workerId` inside the worker). */
  readonly id: number;
  /** OS process id, for workers that are processes (or the process a thread lives in). */
  readonly pid?: number;
  /** Worker thread id, for workers that are threads. */
  readonly threadId?: number;
  /** Whether it is running an input now. */
  readonly busy: boolean;
}

/** A stage's live figures in a progress event: its stats plus its rate over the last interval. */
export interface StageProgress extends StageStats {
  /** Inputs done per second since the previous event (items emitted per second for a producer). */
  readonly rate: number;
}

/** What `run({ progress })` receives: live stats of the whole run. */
export interface ProgressEvent extends RunStats {
  readonly stages: Record<string, StageProgress>;
  readonly pipeline: string;
  /** The process running the pipeline (inline stages run here). */
  readonly pid: number;
  /** 1 for the first event of a run, then 2, 3, … */
  readonly seq: number;
  /** True for the last event, sent once every stage has finished (or the run stopped), before `afterRun`. */
  readonly final: boolean;
  /** Items the producers emitted so far. */
  readonly produced: number;
  /** Sum of the producers' `out.total(n)`, when every producer announced one. */
  readonly total?: number;
  /**
   * Estimated milliseconds until the producers have emitted `total`, from their recent rate; absent without
   * a total or a rate. Downstream stages may need a little longer to drain.
   */
  readonly etaMs?: number;
}

export interface RunStats {
  readonly stages: Record<string, StageStats>;
  /** The non-producer stage with the highest utilization, if any work was done. */
  readonly bottleneck?: string;
  readonly elapsedMs: number;
}

export interface RunResult {
  readonly pipeline: string;
  readonly status: RunStatus;
  readonly durationMs: number;
  readonly stats: RunStats;
  /** `collected[key]` in arrival order; a key never collected is absent. */
  readonly collected: Record<string, unknown[]>;
  readonly errors: RunError[];
  /** Why the run stopped early (status `'failed'`), when it did. */
  readonly error?: Error;
}
