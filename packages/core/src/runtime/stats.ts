/**
 * Per-stage counters and the snapshot that goes into `RunResult.stats`. Counters are plain fields bumped on
 * the hot path; latency is timed on a sample of attempts to keep `performance.now()` off most items.
 */
import type { RunStats, StageKind, StageStats, WorkerInfo } from '../types.js';
import { Reservoir } from './reservoir.js';

// Time every attempt of the first 128, then one in 64: enough samples for slow stages, cheap for fast ones.
const SAMPLE_ALL = 128;
const SAMPLE_MASK = 63;

export class StageCounters {
  in = 0;
  done = 0;
  failed = 0;
  cancelled = 0;
  retried = 0;
  out = 0;
  filtered = 0;
  maxDepth = 0;
  startedAt = 0;
  endedAt = 0;
  /** Announced with `out.total(n)`. */
  total?: number;
  private tick = 0;
  readonly latency = new Reservoir(1024);

  /** True when this attempt should be timed. */
  sample(): boolean {
    return this.tick++ < SAMPLE_ALL || (this.tick & SAMPLE_MASK) === 0;
  }

  started(): void {
    if (this.startedAt === 0) this.startedAt = performance.now();
  }
}

export interface StageShape {
  readonly name: string;
  readonly kind: StageKind;
  readonly strategy: string;
  readonly concurrency: number;
  readonly capacity: number;
  readonly counters: StageCounters;
  readonly active: number;
  readonly depth: number;
  /** The strategy's workers, when it reports them. */
  workers?(): readonly WorkerInfo[] | undefined;
  /** The strategy's own facts about the stage, when it reports them. */
  details?(): Readonly<Record<string, unknown>> | undefined;
}

export function snapshotStage(s: StageShape, now: number): StageStats {
  const c = s.counters;
  const [p50, p90, p95, p99] = c.latency.percentiles([50, 90, 95, 99]);
  const activeMs = c.startedAt === 0 ? 0 : (c.endedAt || now) - c.startedAt;
  // A producer has one input; its rate is what it emits.
  const throughput = activeMs > 0 ? ((s.kind === 'producer' ? c.out : c.done) / activeMs) * 1000 : 0;
  const meanMs = c.latency.mean();
  const busyMs = meanMs * (c.done + c.failed + c.retried);
  const finished = c.done + c.failed;
  const timePerItemMs = s.kind === 'producer' ? (c.out > 0 ? activeMs / c.out : 0) : meanMs;
  const utilization = activeMs > 0 ? Math.min(1, busyMs / (activeMs * s.concurrency)) : 0;
  const workers = s.workers?.();
  const details = s.details?.();
  return {
    stage: s.name,
    kind: s.kind,
    strategy: s.strategy,
    concurrency: s.concurrency,
    in: c.in,
    done: c.done,
    failed: c.failed,
    cancelled: c.cancelled,
    retried: c.retried,
    out: c.out,
    filtered: c.filtered,
    latency: { p50: round(p50!), p90: round(p90!), p95: round(p95!), p99: round(p99!), samples: c.latency.count },
    successRate: finished === 0 ? 1 : round(c.done / finished),
    timePerItemMs: round(timePerItemMs),
    throughput: round(throughput),
    active: s.active,
    queue: { depth: s.depth, max: c.maxDepth, capacity: s.capacity },
    utilization: round(utilization),
    ...(c.total === undefined ? {} : { total: c.total }),
    ...(workers === undefined ? {} : { workers }),
    ...(details === undefined ? {} : { strategyDetails: details }),
  };
}

export function snapshotRun(stages: readonly StageShape[], startedAt: number): RunStats {
  const now = performance.now();
  const out: Record<string, StageStats> = {};
  let bottleneck: string | undefined;
  let best = -1;
  for (const s of stages) {
    const snap = snapshotStage(s, now);
    out[s.name] = snap;
    if (s.kind !== 'producer' && snap.done + snap.failed > 0 && snap.utilization > best) {
      best = snap.utilization;
      bottleneck = s.name;
    }
  }
  return { stages: out, bottleneck, elapsedMs: round(now - startedAt) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
