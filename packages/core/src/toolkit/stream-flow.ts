/**
 * A custom stage's reader in an isolated worker, both halves. The parent (`StreamPump`) takes items off the
 * stage's queue and sends them to the worker, at most `STREAM_WINDOW` ahead of what the stage function has
 * taken, so a slow reader holds its upstream back; the worker (`StreamInbox`) is the stage function's input
 * stream. The worker reports each read (`took`, `released`), in order with its emissions, and the pump
 * settles each item from those reports: done once the function asked for the next one (after everything it
 * emitted before is delivered), failed with the function's error if it threw while holding it, unread (back
 * to the queue for another reader) if it never took it. Every strategy that runs custom stages in workers
 * uses these two, whatever carries their messages.
 */
import type { Emission, StreamInput, StreamItem } from '../strategy/strategy.js';
import { assertCloneable } from './cloneable.js';
import { STREAM_WINDOW } from './protocol.js';

/** How the pump reaches one reader in its worker (the `item`, `end` and `credit` messages of the protocol). */
export interface StreamChannel {
  item(value: unknown): void;
  end(): void;
  /** The parent accepted `n` more emissions. */
  credit(n: number): void;
}

/**
 * Parent side of one reader. Feed it the worker's reports as they arrive (`emission`, `read`), and `run`
 * it with the worker's answer that the stage function is over.
 */
export class StreamPump {
  /** Sent to the worker, not taken by the stage function yet (oldest first). */
  private readonly ahead: StreamItem[] = [];
  /** Taken by the stage function, not released yet (oldest first; one, unless it reads concurrently). */
  private readonly held: StreamItem[] = [];
  private chain: Promise<void> = Promise.resolve();
  private room: (() => void) | undefined;
  private over = false;
  /** An emission the run could not take for a reason other than stopping. */
  private failure: { error: unknown } | undefined;

  /**
   * @param input the stage's queue, as the runner hands it to `StageExecutor.stream`
   * @param emit delivers one emission downstream (waits while downstream is full; rejects once the run stops)
   * @param signal the run's: once it aborted, a refused emission is the stop, not a failure
   */
  constructor(
    private readonly input: StreamInput,
    private readonly channel: StreamChannel,
    private readonly emit: (e: Emission) => Promise<void>,
    private readonly signal: AbortSignal,
    private readonly where: { readonly pipeline: string; readonly stage: string },
  ) {}

  /** An emission of the stage function, delivered in order; the worker gets its credit back once it is taken. */
  emission(e: Emission): void {
    this.then(async () => {
      try {
        await this.emit(e);
      } catch (error) {
        // Refused while the run stops: the emission is dropped (the worker is told to stop by `cancel`).
        if (!this.signal.aborted) this.failure ??= { error };
      }
      this.channel.credit(1);
    });
  }

  /** A read of the stage function, settled after the emissions that came before it are delivered. */
  read(released: boolean, took: boolean): void {
    this.then(() => {
      if (released) this.held.shift()?.done();
      if (took) {
        const item = this.ahead.shift();
        if (item !== undefined) this.held.push(item);
        this.wake();
      }
    });
  }

  /**
   * Sends items while `task` (the worker's answer: the stage function returned, or threw with `error`) runs,
   * then settles every item: what the function held is done, or failed with its error; what it never took
   * goes back to the queue. Rejects with the error when no item was held to take it (or a worker that
   * died: `task` rejects), so that the runner records it for the stage.
   */
  async run(task: Promise<{ error?: Error }>): Promise<void> {
    // A channel that throws (ours do not: a gone worker is told by the task) is recorded, never left unhandled.
    this.send().catch((error: unknown) => {
      this.failure ??= { error };
    });
    let error: Error | undefined;
    try {
      error = (await task).error;
    } catch (died) {
      error = died as Error;
    }
    await this.chain;
    this.over = true;
    this.wake();
    const held = this.held.splice(0);
    for (const item of held) {
      if (error === undefined) item.done();
      else item.fail(error);
    }
    for (const item of this.ahead.splice(0)) item.unread();
    if (error !== undefined && held.length === 0) throw error;
    if (error === undefined && this.failure !== undefined) throw this.failure.error;
  }

  /** Sends items while the window has room, then the end of the input. */
  private async send(): Promise<void> {
    while (!this.over) {
      if (this.ahead.length >= STREAM_WINDOW) {
        await new Promise<void>((resolve) => (this.room = resolve));
        continue;
      }
      const item = await this.input.take();
      if (item === undefined) {
        if (!this.over) this.channel.end();
        return;
      }
      if (this.over) {
        item.unread();
        return;
      }
      try {
        // A value that cannot cross fails that item here, with its path; the reader goes on.
        assertCloneable(item.value, 'the input', this.where);
        this.channel.item(item.value);
      } catch (error) {
        item.fail(error as Error);
        continue;
      }
      this.ahead.push(item);
    }
  }

  private then(step: () => void | Promise<void>): void {
    // Kept alive whatever a step throws: every later report must still settle its items.
    this.chain = this.chain.then(step).catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  private wake(): void {
    const room = this.room;
    this.room = undefined;
    room?.();
  }
}

/**
 * Worker side of one reader: the items the parent sent, read by the stage function. `close` (the run was
 * cancelled) drops what is buffered and ends the stream; the parent counts those items as never read.
 */
export class StreamInbox {
  private readonly items: unknown[] = [];
  private readonly waiters: Array<(r: IteratorResult<unknown>) => void> = [];
  private ended = false;

  push(item: unknown): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter({ done: false, value: item });
    else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w({ done: true, value: undefined });
  }

  close(): void {
    this.items.length = 0;
    this.end();
  }

  /** The next item at once when one is buffered (or the stream has ended), else a promise of it. */
  take(): IteratorResult<unknown> | Promise<IteratorResult<unknown>> {
    if (this.items.length > 0) return { done: false, value: this.items.shift() };
    if (this.ended) return { done: true, value: undefined };
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
