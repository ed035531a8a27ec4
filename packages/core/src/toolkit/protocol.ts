/**
 * The worker protocol shared by every isolated strategy (worker threads, child processes, third-party
 * pools): plain, structured-cloneable messages. A strategy carries them over its own channel (a tinypool
 * task and its result, a MessagePort, process IPC); the worker side answers them with `WorkerRuntime`.
 */
import type { Emission } from '../strategy/strategy.js';
import type { SerializedError } from './serialize-error.js';

/** What a worker needs to run one stage. Sent once per worker, when it starts (after beforeFork). */
export interface WorkerSetup {
  /** The pipeline module (options.module): URL or path. */
  readonly module: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly workerId: number;
  /** Snapshot of the parent's state, taken when this message is sent. */
  readonly state: unknown;
  /** The stage's transport, when not the channel: the worker half to import and its session's config. */
  readonly transport?: { readonly name: string; readonly module: string; readonly config: unknown };
}

/**
 * The outcome of one input attempt: its emissions (all or nothing), or its error. With a transport, the
 * emissions were written through it and `ref` says where (`emissions` is then empty).
 */
export type InputOutcome =
  | { readonly ok: true; readonly emissions: Emission[]; readonly ref?: string }
  | { readonly ok: false; readonly error: SerializedError };

/** What running afterFork produced: collects (delivered whatever happens next) and hook errors. */
export interface HookReport {
  readonly emissions: Emission[];
  readonly errors: SerializedError[];
}

/** Parent → worker. */
export type ParentMessage =
  /** Import the module and find the stage ahead of the setup (a spare worker waiting for its input). */
  | { readonly t: 'prepare'; readonly target: Pick<WorkerSetup, 'module' | 'pipeline' | 'stage'> & { readonly transportModule?: string } }
  | { readonly t: 'setup'; readonly setup: WorkerSetup }
  /** Run these inputs (a chunk), each as its own attempt; answered by one `results`. */
  | { readonly t: 'inputs'; readonly id: number; readonly inputs: unknown[] }
  /** Run the producer stage; answered by `emission`s then `produced`. */
  | { readonly t: 'produce'; readonly id: number }
  /** Flow control for producers: the parent accepted `n` more emissions. */
  | { readonly t: 'credit'; readonly id: number; readonly n: number }
  /** The run was cancelled: abort ctx.signal in the worker. */
  | { readonly t: 'cancel' }
  | { readonly t: 'shutdown' };

/** Worker → parent. */
export type WorkerMessage =
  /** Answer to `prepare`: the module is imported and the stage found. */
  | { readonly t: 'prepared' }
  | { readonly t: 'ready'; readonly workerId: number; readonly pid: number; readonly threadId: number; readonly hooks: HookReport }
  /** `rss`: the worker's resident memory after the chunk, for pools that recycle workers above a limit. */
  | { readonly t: 'results'; readonly id: number; readonly outcomes: InputOutcome[]; readonly rss?: number }
  | { readonly t: 'emission'; readonly id: number; readonly emission: Emission }
  | { readonly t: 'produced'; readonly id: number; readonly error?: SerializedError }
  /** The worker cannot run the stage at all (module, pipeline or stage not found, state unusable). */
  | { readonly t: 'fatal'; readonly error: SerializedError };

/** How many producer emissions may be in flight before the worker waits for credit. */
export const PRODUCER_WINDOW = 64;
