/**
 * The parent side every pool strategy needs between the runner and its workers: attempts wait here, leave
 * in chunks sized by the AdaptiveChunker, and each input of a chunk settles on its own outcome (so errors and
 * retries stay exact when several inputs share a message).
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { Emission } from '../strategy/strategy.js';
import { AdaptiveChunker } from './chunker.js';
import type { InputOutcome } from './protocol.js';
import { deserializeError } from './serialize-error.js';

type Emissions = Iterable<Emission> | AsyncIterable<Emission>;

export interface QueuedAttempt {
  readonly input: unknown;
  resolve(emissions: Emissions): void;
  reject(error: Error): void;
}

export class AttemptQueue {
  private readonly waiting: QueuedAttempt[] = [];
  private readonly chunker: AdaptiveChunker;
  private scheduled = false;

  /**
   * `dispatch` is called (once per microtask at most) after attempts were added; it takes chunks with `take`.
   * `chunkMs` is the work one chunk should carry (see AdaptiveChunker): raise it where a message costs more
   * than a pipe's, e.g. a job through Redis.
   */
  constructor(
    maxChunk: number,
    private readonly dispatch: () => void,
    chunkMs?: number,
  ) {
    this.chunker = new AdaptiveChunker(maxChunk, chunkMs);
  }

  get length(): number {
    return this.waiting.length;
  }

  /** Queues one input; the promise settles with its outcome once its chunk is back. */
  add(input: unknown): Promise<Emissions> {
    return new Promise<Emissions>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Gather what the runner hands over in one turn before deciding chunk sizes.
      queueMicrotask(() => {
        this.scheduled = false;
        this.dispatch();
      });
    });
  }

  /** The next chunk for one of `freeWorkers` free workers, of at most `max` inputs (e.g. a recycling budget). */
  take(freeWorkers: number, max = Infinity): QueuedAttempt[] {
    return this.waiting.splice(0, Math.max(1, Math.min(max, this.chunker.next(this.waiting.length, freeWorkers))));
  }

  /**
   * How many attempts to hold for `workers` workers. While inputs are slow (chunks of one), one per worker:
   * exactly what the runner gives any strategy, so the runner's queue does the holding and backpressure stays
   * queueSize + concurrency. When inputs are cheap, a chunk running and one ready for each worker.
   */
  capacity(workers: number): number {
    const chunk = this.chunker.preferred();
    return chunk === 1 ? workers : 2 * workers * chunk;
  }

  /**
   * Settles a chunk from its outcomes, and learns how long its inputs took. `open` turns a successful
   * outcome into its emissions (pass `(o) => emissionsOf(host, o)` when the stage may have a transport).
   */
  settle(
    chunk: readonly QueuedAttempt[],
    outcomes: readonly InputOutcome[],
    elapsedMs: number,
    open: (o: Extract<InputOutcome, { ok: true }>) => Emissions = (o) => o.emissions,
  ): void {
    this.chunker.record(chunk.length, elapsedMs);
    chunk.forEach((a, i) => {
      const o = outcomes[i];
      if (o === undefined)
        a.reject(
          new MinigunError(
            ErrorCodes.RUN_FAILED,
            `A worker answered a chunk of ${chunk.length} input(s) with ${outcomes.length} outcome(s): this input got no outcome (a strategy fault).`,
          ),
        );
      else if (!o.ok) a.reject(deserializeError(o.error));
      else {
        try {
          a.resolve(open(o));
        } catch (error) {
          a.reject(error as Error);
        }
      }
    });
  }

  /** Fails a chunk whose worker could not answer (it died, or could not be set up). */
  fail(chunk: readonly QueuedAttempt[], error: Error): void {
    for (const a of chunk) a.reject(error);
  }

  /** Fails everything still waiting (the stage is closing). */
  rejectAll(error: Error): void {
    this.fail(this.waiting.splice(0), error);
  }
}
