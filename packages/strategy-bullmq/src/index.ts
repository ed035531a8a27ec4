/**
 * @minigun/strategy-bullmq — run a stage on many machines: `bullmq` sends the stage's inputs as BullMQ jobs
 * through Redis to `minigun-bullmq-worker` processes, on this machine or any other that has the same
 * pipeline module.
 *
 *   import { Registry } from '@minigun/core';
 *   import { bullmqStrategies } from '@minigun/strategy-bullmq';
 *   const registry = new Registry().use(bullmqStrategies({ connection: 'redis://10.0.0.5:6379' }));
 */
import { ErrorCodes, MinigunError, type MinigunPlugin, type StageInfo, type Strategy } from '@minigun/core';
import { checkFactoryOptions, optionRules, rejectCustomStage, type OptionRule } from '@minigun/core/toolkit';
import type { RedisConnection } from './connection.js';
import { BullmqExecutor } from './executor.js';
import { ParentFingerprints } from './fingerprint.js';

export type { RedisConnection } from './connection.js';
export { serveStages, type ServeOptions, type ServedStage, type WorkerService } from './worker.js';

export interface BullmqStrategyOptions {
  /**
   * Redis: a URL (`redis://user:pass@host:6379/0`, `rediss://` for TLS) or ioredis options. Default: the
   * environment's MINIGUN_REDIS_URL, else `redis://127.0.0.1:6379` (so that `minigun run --use
   * @minigun/strategy-bullmq` works with the URL in the environment).
   */
  connection?: RedisConnection;
  /** Prefix of every key in Redis (BullMQ's and Minigun's). Workers must use the same. Default `'minigun'`. */
  prefix?: string;
  /**
   * Worker processes this parent starts for each `bullmq` stage of a run (and stops when it ends), so that
   * one machine with a Redis is enough. Remote workers may serve the stage as well. 0 to 64; default 0.
   */
  localWorkers?: number;
  /** Largest number of inputs in one job when the queue is deep (adaptive chunking). 1 to 10,000; default 64. */
  maxChunk?: number;
  /**
   * BullMQ's job lock, for local workers (remote ones take `--lock-duration-ms`): a worker that has not
   * renewed a job's lock for this long counts as stalled. Default 30000.
   */
  lockDurationMs?: number;
  /**
   * How often stalled jobs are looked for: by BullMQ in the local workers (remote ones: `--stalled-interval-ms`)
   * and by this parent, which fails a job whose lock has been gone for a whole interval. Default 30000.
   */
  stalledIntervalMs?: number;
  /**
   * How long the keys of a run (its setup, inbox and worker counter) live unless the parent renews them; the
   * parent renews them every `stalledIntervalMs` while it lives. If the parent dies, this is how long workers
   * may still take the run's jobs and how long its keys stay in Redis. At least 1000 and at least 2 ×
   * `stalledIntervalMs`; default the larger of 30000 and 5 × `stalledIntervalMs`.
   */
  runTtlMs?: number;
  /** Inputs waiting for longer than this while no worker serves the stage fail. Default 30000. */
  noWorkerTimeoutMs?: number;
  /** A connection to Redis lost for longer than this fails the stage's inputs. Default 10000. */
  redisLostMs?: number;
  /** How long local workers may take to finish their jobs when the run ends before they are killed. Default 5000. */
  exitGraceMs?: number;
  /** Largest serialised input (bytes); a larger one fails with what to do. Default 64 MiB. */
  maxValueBytes?: number;
  /** Run on a Redis whose `maxmemory-policy` is not `noeviction`, with a warning, instead of refusing. Default false. */
  allowEviction?: boolean;
}

const RULES = {
  connection: {
    expected: 'a Redis URL or ioredis options',
    check: (v: unknown) => typeof v === 'string' || (v !== null && typeof v === 'object' && !Array.isArray(v)),
  },
  prefix: { expected: 'a non-empty string without ":"', check: (v: unknown) => typeof v === 'string' && v !== '' && !v.includes(':') },
  localWorkers: optionRules.integer(0, 64),
  maxChunk: optionRules.integer(1, 10_000),
  lockDurationMs: optionRules.integer(100),
  stalledIntervalMs: optionRules.integer(100),
  runTtlMs: optionRules.integer(1000),
  noWorkerTimeoutMs: optionRules.integer(100),
  redisLostMs: optionRules.integer(100),
  exitGraceMs: optionRules.milliseconds(),
  maxValueBytes: optionRules.integer(1),
  allowEviction: { expected: 'a boolean', check: (v: unknown) => typeof v === 'boolean' },
} satisfies Record<string, OptionRule>;

function validate(stage: StageInfo): void {
  rejectCustomStage('bullmq', stage);
  if (stage.kind === 'producer') {
    throw new MinigunError(
      ErrorCodes.INVALID_OPTION,
      `Stage "${stage.stage}" of pipeline "${stage.pipeline}" is a producer, which the bullmq strategy does not run (its jobs are inputs). Run the producer inline (or in ipc-fork) and the work it feeds on bullmq.`,
      { pipeline: stage.pipeline, stage: stage.stage },
    );
  }
}

/** The `bullmq` strategy. */
export function bullmqStrategy(options: BullmqStrategyOptions = {}): Strategy {
  checkFactoryOptions('bullmqStrategy()', options, RULES);
  const connection = options.connection ?? process.env.MINIGUN_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const maxChunk = options.maxChunk ?? 64;
  const stalledIntervalMs = options.stalledIntervalMs ?? 30_000;
  const runTtlMs = options.runTtlMs ?? Math.max(30_000, 5 * stalledIntervalMs);
  if (runTtlMs < 2 * stalledIntervalMs) {
    throw new MinigunError(
      ErrorCodes.INVALID_OPTION,
      `bullmqStrategy(): runTtlMs (${runTtlMs}) must be at least 2 × stalledIntervalMs (${2 * stalledIntervalMs}): the parent renews the run's keys every stalledIntervalMs, and a shorter TTL could let them expire while the run goes on. Raise runTtlMs or lower stalledIntervalMs.`,
    );
  }
  const fingerprints = new ParentFingerprints();
  return {
    name: 'bullmq',
    isolated: true,
    validate,
    // Chunking needs inputs to put in jobs: let the runner hand over more attempts than jobs.
    slots: (stage) => (maxChunk === 1 ? stage.options.concurrency : stage.options.concurrency * maxChunk),
    createExecutor: (host) =>
      BullmqExecutor.open(host, {
        connection,
        prefix: options.prefix ?? 'minigun',
        maxChunk,
        localWorkers: options.localWorkers ?? 0,
        lockDurationMs: options.lockDurationMs ?? 30_000,
        stalledIntervalMs,
        runTtlMs,
        noWorkerTimeoutMs: options.noWorkerTimeoutMs ?? 30_000,
        redisLostMs: options.redisLostMs ?? 10_000,
        exitGraceMs: options.exitGraceMs ?? 5000,
        maxValueBytes: options.maxValueBytes ?? 64 * 1024 * 1024,
        allowEviction: options.allowEviction ?? false,
        fingerprints,
      }),
  };
}

/** The plugin, for `registry.use(bullmqStrategies({ connection }))`. */
export function bullmqStrategies(options: BullmqStrategyOptions = {}): MinigunPlugin {
  return { name: '@minigun/strategy-bullmq', strategies: [bullmqStrategy(options)] };
}
