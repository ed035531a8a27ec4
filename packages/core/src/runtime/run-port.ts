/**
 * The contract between the run (run.ts) and the parts that handle one kind of stage or its output
 * (accumulator.ts, custom-stage.ts, producer.ts, isolated.ts, output.ts): `RunPort` is what such a part may
 * see and do, so the run's bookkeeping (pending work, the stopping/ended flags, errors) changes in run.ts
 * only. `Run` implements it and passes itself: no adapter object and no extra closure between the parts.
 */
import type { StageNode } from './stage-node.js';

/** Backpressure: a promise only when the caller must wait; nothing (no allocation) otherwise. */
export type Maybe = void | Promise<void>;

/** A stage function, called with whatever its kind takes. */
export type AnyFn = (...args: unknown[]) => unknown;

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

export interface RunPort {
  /** The pipeline's name, for error messages. */
  readonly pipeline: string;
  /** Cancelled or aborted: nothing new is emitted, and what fails now counts as cancelled. */
  readonly stopping: boolean;
  /** The run is over: late callbacks change nothing. */
  readonly ended: boolean;
  /**
   * Adjusts the count of work that can still produce items, without looking for the end: for a caller that
   * settles several units at once and then calls `checkQuiescence()` (or `done()`) itself.
   */
  addPending(delta: number): void;
  /** One unit of pending work is over; at zero the run looks for stages it can close. */
  done(): void;
  /** Looks for stages to close (a microtask later) if no work is pending. */
  checkQuiescence(): void;
  /** Sends an item to the stage's own targets. */
  emitFrom(node: StageNode, item: unknown): Maybe;
  /** Sends an item to named targets (`out.to()`). */
  emitTo(node: StageNode, targets: readonly StageNode[], item: unknown): Maybe;
  /** Resolves an `out.to(name)` target (throws on unknown names and producers). */
  route(node: StageNode, name: string): readonly StageNode[];
  /** Records a failed input (or a failed stage function, `input` undefined); aborts the run under `onError: 'abort'`. */
  recordItemError(node: StageNode, input: unknown, error: Error, attempts: number): void;
  /** The error a producer loop stops with once the run is stopping. */
  stoppedError(node: StageNode): Error | undefined;
}
