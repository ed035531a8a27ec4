import { bundleOption, checkBundleOptions } from './bundle-options';
import { installForkHooks, stageOf } from './fork-hooks';
import type { HookBundle, HookContext, HookInfo } from '../types';

export interface TimingStatsOptions {
  /** Prefix of the collect key (`<key>:workers`) and the bundle name. Default `'timing'`. */
  readonly key?: string;
  /**
   * Stages whose lifetime (before → after) to time. `before`/`after` hooks are bound to a stage, so the
   * bundle must know the names; forks and workers are counted for every stage regardless.
   */
  readonly stages?: readonly string[];
}

/** One isolated worker, as seen by its `afterFork` (collected under `<key>:workers`). */
export interface TimingWorker {
  /** The stage the worker serves; `'(pipeline)'` when the hook did not know it. */
  readonly stage: string;
  readonly pid: number;
  readonly workerId?: number;
}

/** Times and counts for one stage. Times are epoch ms (`performance.timeOrigin + performance.now()`). */
export interface StageTiming {
  /** When the stage's `before` hook ran; absent for stages not listed in `stages`. */
  readonly startedAt?: number;
  /** When its `after` hook ran. */
  readonly endedAt?: number;
  /** `before` → `after` in ms; absent until `after` ran. */
  readonly durationMs?: number;
  /** `beforeFork` calls for this stage in the parent: one per worker started (per input for cow-fork). */
  readonly forks: number;
  /** Workers that ran `afterFork` for this stage, in arrival order. */
  readonly workers: readonly TimingWorker[];
  /** Distinct worker PIDs (threads share their parent's PID). */
  readonly pids: readonly number[];
}

/** A snapshot of what the bundle measured in this isolate (in the parent: the whole run). */
export interface TimingReport {
  /** The collect key holding the worker records. */
  readonly workersKey: string;
  /** When `beforeRun` ran; absent before the first run. */
  readonly startedAt?: number;
  /** When `afterRun` ran. */
  readonly endedAt?: number;
  /** `beforeRun` → `afterRun` in ms; absent until `afterRun` ran. */
  readonly durationMs?: number;
  /** Per stage, keyed by name; a stage appears once it was timed, forked or reported a worker. */
  readonly stages: Readonly<Record<string, StageTiming>>;
  /** Sum of `forks` over all stages. */
  readonly forks: number;
  /** Every worker record, in arrival order. */
  readonly workers: readonly TimingWorker[];
  /** Distinct worker PIDs over all stages. */
  readonly pids: readonly number[];
}

export interface TimingStats {
  readonly bundle: HookBundle;
  /** What was measured so far. In the parent, worker records are taken from the run result in `afterRun`. */
  report(): TimingReport;
}

const UNKNOWN_STAGE = '(pipeline)';

interface StageState {
  startedAt?: number;
  t0?: number;
  endedAt?: number;
  durationMs?: number;
  forks: number;
}

/**
 * Run duration, stage lifetimes, forks per stage and worker PIDs. Workers live in other isolates, so
 * `afterFork` collects `{ stage, pid, workerId }` under `<key>:workers`; the parent's `afterRun` reads them
 * back from the run result's `collected`.
 */
export function timingStats(options: TimingStatsOptions = {}): TimingStats {
  checkBundleOptions('timingStats()', options, { key: bundleOption.name(), stages: bundleOption.stages() });
  const { key = 'timing' } = options;
  const bundleName = `timingStats:${key}`;
  const lifetimeStages = options.stages === undefined ? undefined : Object.freeze([...options.stages]);
  const workersKey = `${key}:workers`;

  let run: { startedAt?: number; t0?: number; endedAt?: number; durationMs?: number } = {};
  let stages = new Map<string, StageState>();
  let workers: TimingWorker[] = [];

  const stageState = (name: string): StageState => {
    let state = stages.get(name);
    if (state === undefined) {
      state = { forks: 0 };
      stages.set(name, state);
    }
    return state;
  };

  const bundle: HookBundle = {
    name: bundleName,
    install(target) {
      target.beforeRun(() => {
        const t0 = performance.now();
        run = { startedAt: performance.timeOrigin + t0, t0 };
        stages = new Map();
        workers = [];
      });
      for (const name of lifetimeStages ?? []) {
        target.before(name, () => {
          const state = stageState(name);
          state.t0 = performance.now();
          state.startedAt = performance.timeOrigin + state.t0;
        });
        target.after(name, () => {
          const state = stageState(name);
          const now = performance.now();
          state.endedAt = performance.timeOrigin + now;
          if (state.t0 !== undefined) state.durationMs = now - state.t0;
        });
      }
      installForkHooks(target, undefined, {
        beforeFork: (ctx, info) => {
          stageState(stageOf(ctx, info) ?? UNKNOWN_STAGE).forks++;
        },
        afterFork: (ctx: HookContext, info: HookInfo) => {
          const workerId = info?.workerId ?? ctx.workerId;
          const worker: TimingWorker = {
            stage: stageOf(ctx, info) ?? UNKNOWN_STAGE,
            pid: info?.pid ?? ctx.pid,
            ...(workerId === undefined ? {} : { workerId }),
          };
          workers.push(worker);
          ctx.collect(workersKey, worker);
        },
      });
      target.afterRun((_ctx, result) => {
        const now = performance.now();
        run.endedAt = performance.timeOrigin + now;
        if (run.t0 !== undefined) run.durationMs = now - run.t0;
        // The parent never runs afterFork: its worker records arrive through the run's `collected`.
        const collected = collectedWorkers(result, workersKey);
        if (collected !== undefined) workers = collected;
      });
    },
  };

  return {
    bundle,
    report() {
      const byStage = new Map<string, TimingWorker[]>();
      for (const w of workers) byStage.set(w.stage, [...(byStage.get(w.stage) ?? []), w]);
      const out: Record<string, StageTiming> = {};
      let forks = 0;
      for (const name of new Set([...stages.keys(), ...byStage.keys()])) {
        const state = stages.get(name) ?? { forks: 0 };
        const stageWorkers = byStage.get(name) ?? [];
        forks += state.forks;
        out[name] = Object.freeze({
          ...(state.startedAt === undefined ? {} : { startedAt: state.startedAt }),
          ...(state.endedAt === undefined ? {} : { endedAt: state.endedAt }),
          ...(state.durationMs === undefined ? {} : { durationMs: state.durationMs }),
          forks: state.forks,
          workers: Object.freeze(stageWorkers),
          pids: Object.freeze(distinctPids(stageWorkers)),
        });
      }
      return Object.freeze({
        workersKey,
        ...(run.startedAt === undefined ? {} : { startedAt: run.startedAt }),
        ...(run.endedAt === undefined ? {} : { endedAt: run.endedAt }),
        ...(run.durationMs === undefined ? {} : { durationMs: run.durationMs }),
        stages: Object.freeze(out),
        forks,
        workers: Object.freeze(workers.slice()),
        pids: Object.freeze(distinctPids(workers)),
      });
    },
  };
}

function distinctPids(workers: readonly TimingWorker[]): number[] {
  return [...new Set(workers.map((w) => w.pid))];
}

/** Worker records from `result.collected[key]`, if the result carries them (core's RunResult does). */
function collectedWorkers(result: unknown, key: string): TimingWorker[] | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const collected = (result as { collected?: unknown }).collected;
  if (typeof collected !== 'object' || collected === null) return undefined;
  const values = (collected as Record<string, unknown>)[key];
  if (!Array.isArray(values)) return undefined;
  return values.filter(isTimingWorker);
}

function isTimingWorker(value: unknown): value is TimingWorker {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.stage === 'string' && typeof v.pid === 'number' && (v.workerId === undefined || typeof v.workerId === 'number');
}
