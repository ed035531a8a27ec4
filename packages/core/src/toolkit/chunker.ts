/**
 * Adaptive chunking for pools: how many queued inputs to send to a free worker in one message. Many tiny
 * inputs go in big chunks (one message instead of many); inputs that take a while go one by one, so that
 * every worker stays busy until the queue is empty (a big chunk of slow inputs would leave the other
 * workers idle at the end). Decided from the measured time per input.
 */
export class AdaptiveChunker {
  /** Smoothed wall time per input of recent chunks, in ms; undefined until the first chunk is back. */
  private perInputMs: number | undefined;

  /**
   * @param maxChunk largest chunk
   * @param targetMs the work one message should carry: chunks stay around this long
   */
  constructor(
    private readonly maxChunk: number,
    private readonly targetMs = 5,
  ) {}

  /** The size of the next chunk, given the queue length and how many workers are free (>= 1). */
  next(queued: number, freeWorkers: number): number {
    const fair = Math.ceil(queued / Math.max(1, freeWorkers));
    // Until a chunk has come back, send one input: it measures the cost without risking a big slow chunk.
    return Math.max(1, Math.min(fair, this.preferred()));
  }

  /** The chunk size the measured cost calls for (1 until measured). */
  preferred(): number {
    if (this.perInputMs === undefined) return 1;
    return Math.max(1, Math.min(this.maxChunk, Math.floor(this.targetMs / Math.max(this.perInputMs, 1e-3))));
  }

  /** Records that `inputs` inputs took `ms` in one chunk. */
  record(inputs: number, ms: number): void {
    const sample = ms / Math.max(1, inputs);
    this.perInputMs = this.perInputMs === undefined ? sample : this.perInputMs * 0.7 + sample * 0.3;
  }
}
