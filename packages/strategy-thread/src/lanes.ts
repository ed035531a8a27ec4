/**
 * Lanes: at most `limit` async jobs at once, started in the order they were asked for. A `thread` worker with
 * `perWorker` above 1 has one `Lanes` for all its tasks, so that the inputs of its chunks overlap (an async
 * stage function that awaits I/O) while the thread never runs more than `perWorker` inputs at once.
 */
export class Lanes {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Jobs running now. */
  get running(): number {
    return this.active;
  }

  /**
   * Runs `job` once a lane is free (at once if one is). `start` is checked when the lane is taken: when it
   * returns a value, that value is the result and `job` never runs (an input not started before the run was
   * cancelled). The lane is released when the job settles, and goes straight to the oldest waiter.
   */
  async run<T>(job: () => Promise<T>, start?: () => T | undefined): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      const instead = start?.();
      return instead !== undefined ? instead : await job();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}

/** Runs `job` on every item through `lanes`; the results in the items' order, whatever order they end in. */
export function inLanes<I, T>(lanes: Lanes, items: readonly I[], job: (item: I) => Promise<T>, start?: (item: I) => T | undefined): Promise<T[]> {
  return Promise.all(items.map((item) => lanes.run(() => job(item), start && (() => start(item)))));
}
