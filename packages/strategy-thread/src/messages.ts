/**
 * What travels between a thread pool executor and its tinypool workers. The stage-level messages are the
 * shared worker protocol of @minigun/core/toolkit; this file only adds the tinypool task envelope.
 */
import type { MessagePort } from 'node:worker_threads';
import type { HookReport, InputOutcome, ParentMessage, WorkerMessage } from '@minigun/core/toolkit';

/** A tinypool task. `port` is present while some worker of the pool may not be set up yet. */
export interface ThreadTask {
  /** Identifies the executor (one pool per stage and run). */
  readonly key: string;
  readonly port?: MessagePort;
  readonly message: Extract<ParentMessage, { t: 'inputs' } | { t: 'produce' } | { t: 'stream' }>;
}

/** A task's result. `needsSetup`: the worker is not set up and got no port; send the task again with one. */
export type ThreadTaskResult =
  /**
   * `busyMs` (perWorker above 1): the sum of the inputs' own run times in the worker, from the moment each
   * took a lane; the parent sizes chunks from it (a chunk of k inputs runs k / perWorker deep).
   */
  | { readonly t: 'results'; readonly outcomes: InputOutcome[]; readonly busyMs?: number }
  /** The producer returned (or threw: `error`, serialised so that its code and fields survive). */
  | { readonly t: 'produced'; readonly emitted: number; readonly error?: import('@minigun/core/toolkit').SerializedError }
  /** A custom stage's reader returned (or threw: `error`). */
  | { readonly t: 'streamed'; readonly error?: import('@minigun/core/toolkit').SerializedError }
  | { readonly t: 'needsSetup' }
  /** The worker could not set the stage up (module, pipeline or stage not found, state unusable, …). */
  | { readonly t: 'fatal'; readonly error: import('@minigun/core/toolkit').SerializedError };

/** Messages on a task's port, worker → parent: the handshake, producer and reader emissions, a reader's reads. */
export type PortMessage =
  | Extract<WorkerMessage, { t: 'ready' } | { t: 'emission' } | { t: 'read' } | { t: 'fatal' }>
  | { readonly t: 'hello'; readonly workerId: number; readonly threadId: number };

/**
 * Parent → worker on a task's port. The setup carries the pool's busy flags: shared memory in which each
 * worker marks whether it runs a task (slot `workerId % busy.length`), for progress and the HUD; and
 * `perWorker`: how many inputs the worker runs at once (the inputs of a chunk overlap when above 1).
 */
export type PortReply =
  | (Extract<ParentMessage, { t: 'setup' }> & { readonly busy: Int32Array; readonly perWorker: number })
  | Extract<ParentMessage, { t: 'credit' } | { t: 'item' } | { t: 'end' } | { t: 'cancel' }>
  | { readonly t: 'fatal'; readonly error: import('@minigun/core/toolkit').SerializedError };

export type { HookReport };
