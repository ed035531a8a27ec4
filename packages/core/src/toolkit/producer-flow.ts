/**
 * Flow control of a producer that runs in an isolated worker, both halves. The worker may have at most
 * `PRODUCER_WINDOW` emissions in flight (`CreditWindow`); the parent delivers them in order with
 * backpressure and grants one credit per accepted emission (`ProducerFeed`). Every strategy that runs
 * producers in workers uses these two, so that a run that stops mid-stream settles the same way everywhere:
 * no promise is left rejected and unhandled, and the producer learns that it may not emit any more.
 */
import type { Emission } from '../strategy/strategy.js';
import { PRODUCER_WINDOW } from './protocol.js';

/**
 * Parent side. `push` each emission as it arrives (in order); `finish` once the worker said it is done.
 * An emission the run refuses (it is stopping: `emit` rejects) ends the feed: later emissions are dropped,
 * and `finish` rejects with that first refusal, so the producer counts as cancelled (or failed).
 */
export class ProducerFeed {
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private received = 0;

  /**
   * @param emit delivers one emission downstream; resolves once accepted (waits while downstream is full)
   * @param grant tells the worker it may send `n` more emissions
   */
  constructor(
    private readonly emit: (e: Emission) => Promise<void>,
    private readonly grant: (n: number) => void,
  ) {}

  /** How many emissions arrived from the worker so far (delivered or not). */
  get count(): number {
    return this.received;
  }

  /** Whether an emission was refused: the worker should be told to stop (it may be waiting for credit). */
  get refused(): boolean {
    return this.failure !== undefined;
  }

  push(emission: Emission): void {
    this.received++;
    this.chain = this.chain
      .then(async () => {
        if (this.failure !== undefined) return;
        await this.emit(emission);
        this.grant(1);
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  /** Waits until every emission pushed so far is delivered; rejects with the first one refused. */
  async finish(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure.error;
  }

  /**
   * Waits for the worker's answer that the producer is done (`task`), then for the feed. Every emission
   * that arrived is settled before this settles, whichever fails first, so nothing is delivered after the
   * producer counts as finished. The task's error wins over a refusal (it says why the worker stopped).
   */
  async settle<T>(task: Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await task;
    } catch (error) {
      await this.chain;
      throw error;
    }
    await this.finish();
    return value;
  }
}

/**
 * Worker side: `take` before sending each emission (waits while `PRODUCER_WINDOW` are unacknowledged),
 * `grant` when the parent acknowledges. `close(error)` ends the window for good: waiting and later `take`s
 * reject with `error` (the run was cancelled: the producer's `out.emit` rejects, as it does inline).
 */
export class CreditWindow {
  private credit = PRODUCER_WINDOW;
  private waiters: Array<{ resolve(): void; reject(error: unknown): void }> = [];
  private closed: { error: unknown } | undefined;

  take(): Promise<void> | undefined {
    if (this.closed !== undefined) return Promise.reject(this.closed.error);
    if (this.credit > 0) {
      this.credit--;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject })).then(() => this.take());
  }

  grant(n: number): void {
    this.credit += n;
    this.wake((w) => w.resolve());
  }

  close(error: unknown): void {
    this.closed ??= { error };
    this.wake((w) => w.reject(error));
  }

  private wake(how: (w: { resolve(): void; reject(error: unknown): void }) => void): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) how(w);
  }
}
