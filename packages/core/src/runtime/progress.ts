/**
 * Live progress of a run (`run({ progress })`): samples the stages at a fixed interval and hands the callback
 * a ProgressEvent (their stats, the rate since the previous event, the producers' announced total and an
 * ETA). It only reads counters the hot path keeps anyway, so its cost is one snapshot per interval, whatever
 * the item rate (measured in docs/benchmarks.md, "Progress overhead").
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { ProgressEvent, StageProgress } from '../types.js';
import { snapshotRun, type StageCounters, type StageShape } from './stats.js';

export class ProgressReporter {
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private lastAt: number;
  /** Per stage: its count (done, or out for producers) at the previous event. */
  private readonly lastCount = new Map<string, number>();

  constructor(
    private readonly pipeline: string,
    private readonly stages: readonly StageShape[],
    private readonly startedAt: number,
    private readonly callback: (event: ProgressEvent) => void,
    /** Where a throwing callback is reported (the run records it; progress goes on). */
    private readonly failed: (error: unknown) => void,
  ) {
    this.lastAt = startedAt;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.emit(false), intervalMs);
    // Progress alone never keeps the process alive.
    this.timer.unref();
  }

  /** Stops sampling and sends the final event. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.emit(true);
  }

  private emit(final: boolean): void {
    try {
      this.callback(this.sample(final));
    } catch (e) {
      this.failed(e);
    }
  }

  private sample(final: boolean): ProgressEvent {
    const stats = snapshotRun(this.stages, this.startedAt);
    const now = this.startedAt + stats.elapsedMs;
    const seconds = Math.max(1e-3, (now - this.lastAt) / 1000);
    this.lastAt = now;
    const stages: Record<string, StageProgress> = {};
    let produced = 0;
    let total: number | undefined = 0;
    let producerRate = 0;
    for (const [name, s] of Object.entries(stats.stages)) {
      const count = s.kind === 'producer' ? s.out : s.done;
      const rate = Math.max(0, count - (this.lastCount.get(name) ?? 0)) / seconds;
      this.lastCount.set(name, count);
      stages[name] = { ...s, rate: Math.round(rate * 10) / 10 };
      if (s.kind !== 'producer') continue;
      produced += s.out;
      total = total === undefined || s.total === undefined ? undefined : total + s.total;
      producerRate += s.throughput;
    }
    const hasProducers = Object.values(stats.stages).some((s) => s.kind === 'producer');
    if (!hasProducers) total = undefined;
    const remaining = total === undefined ? undefined : Math.max(0, total - produced);
    // The producers' rate so far, not the last interval's: steadier under backpressure bursts.
    const etaMs = remaining === undefined ? undefined : remaining === 0 ? 0 : producerRate > 0 ? Math.round((remaining / producerRate) * 1000) : undefined;
    return {
      ...stats,
      stages,
      pipeline: this.pipeline,
      pid: process.pid,
      seq: ++this.seq,
      final,
      produced,
      ...(total === undefined ? {} : { total }),
      ...(etaMs === undefined ? {} : { etaMs }),
    };
  }
}

/** `out.total(n)`: records the announced total of a stage, after checking it. */
export function announceTotal(counters: StageCounters, n: number, pipeline: string, stage: string): void {
  counters.total = checkTotal(n, pipeline, stage);
}

/** The argument of `out.total(n)` as a whole number; throws (naming the stage) when it is not a count. */
export function checkTotal(n: unknown, pipeline: string, stage: string): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new MinigunError(
      ErrorCodes.INVALID_OPTION,
      `Stage "${stage}" of pipeline "${pipeline}" called out.total(${String(n)}); pass the number of items it will emit (a finite number >= 0).`,
      { pipeline, stage },
    );
  }
  return Math.floor(n);
}
