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
  /**
   * Run one reader of a custom stage: its input stream is the `item`s sent with this id, until `end`;
   * answered by `read`s and `emission`s, then `streamed`.
   */
  | { readonly t: 'stream'; readonly id: number }
  /** The next item of a reader's input stream (at most `STREAM_WINDOW` sent ahead of what it has read). */
  | { readonly t: 'item'; readonly id: number; readonly item: unknown }
  /** A reader's input stream has ended. */
  | { readonly t: 'end'; readonly id: number }
  /** The run was cancelled: abort ctx.signal in the worker (and end the input of its readers). */
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
  /**
   * What a reader's stage function did with its input, in order with its emissions: `released`, it is done
   * with the item it held (it asked for the next one); `took`, it took the oldest item sent to it.
   */
  | { readonly t: 'read'; readonly id: number; readonly released: boolean; readonly took: boolean }
  /** The reader's stage function returned (or threw: `error`; the item it held, if any, failed with it). */
  | { readonly t: 'streamed'; readonly id: number; readonly error?: SerializedError }
  /** The worker cannot run the stage at all (module, pipeline or stage not found, state unusable). */
  | { readonly t: 'fatal'; readonly error: SerializedError };

/** How many producer (or custom stage) emissions may be in flight before the worker waits for credit. */
export const PRODUCER_WINDOW = 64;

/**
 * How many items of a custom stage's input may be sent to a worker ahead of what its stage function has
 * taken: enough to hide the round trip, few enough that a slow reader holds its upstream back (and that
 * little goes back to the queue when a worker dies).
 */
export const STREAM_WINDOW = 4;
