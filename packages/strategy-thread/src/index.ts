/**
 * @minigun/strategy-thread — run stages in worker threads:
 * - `thread`: a tinypool pool of `concurrency` worker threads kept for the run;
 * - `thread-per-batch`: a fresh worker thread for each input, at most `concurrency` alive.
 *
 *   import { Registry } from '@minigun/core';
 *   import { threadStrategies } from '@minigun/strategy-thread';
 *   const registry = new Registry().use(threadStrategies());
 *   // or: import '@minigun/strategy-thread/register';  (adds them to defaultRegistry)
 */
import { ErrorCodes, MinigunError, type MinigunPlugin, type Strategy } from '@minigun/core';
import { WarmPools, checkFactoryOptions, keepAliveIdleMs, keepAliveRule, optionRules, type KeepAliveOptions } from '@minigun/core/toolkit';
import type { ResourceLimits } from 'node:worker_threads';
import type { Tinypool } from 'tinypool';
import { PoolExecutor, destroyPool } from './pool-executor.js';

export interface ThreadStrategyOptions {
  /**
   * Largest number of inputs the `thread` strategy sends to a worker in one message when its queue is deep
   * (adaptive chunking; each input still has its own outcome). A whole number from 1 to 10,000; default 64;
   * 1 disables chunking. Not an option of `thread-per-batch` (one input per fresh worker).
   */
  maxChunk?: number;
  /** How long closing the pool may wait for workers to terminate (ms, 0 to 2^31 - 1). Default 5000. */
  terminateTimeoutMs?: number;
  /** Memory limits for each worker thread, in MB (a worker over them dies; its inputs fail or retry). */
  resourceLimits?: ResourceLimits;
  /**
   * `thread`: keep the pool of each stage between runs of its pipeline (opt-in), ended after `idleMs`
   * without a run (default 30000) or by `registry.close()`. `true` is `{ idleMs: 30000 }`. A kept worker
   * keeps its imported modules (module-level variables persist); each run still sends it its own state
   * snapshot and runs `afterFork` in it, and `ctx.state` is that run's. Idle kept workers never keep the
   * process alive. Not an option of `thread-per-batch` (a fresh worker per input).
   */
  keepAlive?: boolean | KeepAliveOptions;
  /**
   * `thread`: how many inputs each worker thread runs at once, the inputs of one chunk included (tinypool's
   * `concurrentTasksPerWorker` is set to it too). Above 1, an async stage function that awaits I/O overlaps
   * its inputs in one thread: a stage then runs up to `concurrency × perWorker` inputs at once, on
   * `concurrency` threads. Each input is still its own attempt, delivered all or nothing. A synchronous
   * function gains nothing (a thread runs one at a time). A whole number from 1 to 1000; default 1. Not
   * with a transport other than the channel.
   */
  perWorker?: number;
}

const limitMb = optionRules.number(0, Number.MAX_VALUE, true);
const RULES = {
  maxChunk: optionRules.integer(1, 10_000),
  terminateTimeoutMs: optionRules.milliseconds(),
  resourceLimits: optionRules.object({ maxOldGenerationSizeMb: limitMb, maxYoungGenerationSizeMb: limitMb, codeRangeSizeMb: limitMb, stackSizeMb: limitMb }),
  keepAlive: keepAliveRule,
  perWorker: optionRules.integer(1, 1000),
};
const { maxChunk: _maxChunk, keepAlive: _keepAlive, perWorker: _perWorker, ...PER_BATCH_RULES } = RULES;
const NOT_PER_BATCH = {
  maxChunk: 'it is an option of the thread strategy (thread-per-batch gives each fresh worker one input)',
  keepAlive: 'it is an option of the thread strategy (thread-per-batch starts a fresh worker for each input)',
  perWorker: 'it is an option of the thread strategy (thread-per-batch gives each fresh worker one input)',
};

function createStrategy(name: 'thread' | 'thread-per-batch', options: ThreadStrategyOptions): Strategy {
  const perInput = name === 'thread-per-batch';
  const maxChunk = options.maxChunk ?? 64;
  const terminateTimeoutMs = options.terminateTimeoutMs ?? 5000;
  const perWorker = perInput ? 1 : (options.perWorker ?? 1);
  const idleMs = perInput ? undefined : keepAliveIdleMs(options.keepAlive);
  const warm = idleMs === undefined ? undefined : new WarmPools<Tinypool>(idleMs, (pool) => destroyPool(pool, terminateTimeoutMs).catch(() => undefined));
  return {
    name,
    isolated: true,
    validate: (stage) => {
      const transport = stage.options.transport;
      if (perWorker > 1 && transport !== undefined && transport !== 'channel') {
        throw new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `Stage "${stage.stage}" of pipeline "${stage.pipeline}" runs in a thread strategy with perWorker ${perWorker} and transport "${transport}": a transport writes one task at a time per worker. Use perWorker 1 (the default) with this transport, or the channel transport.`,
          { pipeline: stage.pipeline, stage: stage.stage },
        );
      }
    },
    // Chunking needs inputs to put in chunks: let the runner hand a kept pool more attempts than workers.
    slots: (stage) => (perInput || maxChunk === 1 ? stage.options.concurrency * perWorker : stage.options.concurrency * perWorker * maxChunk),
    createExecutor: (host) => new PoolExecutor(host, { perInput, maxChunk, terminateTimeoutMs, resourceLimits: options.resourceLimits, warm, perWorker }),
    close: async () => warm?.close(),
  };
}

/** The `thread` strategy with the given options. */
export function threadStrategy(options: ThreadStrategyOptions = {}): Strategy {
  checkFactoryOptions('threadStrategy()', options, RULES);
  return createStrategy('thread', options);
}

/** The `thread-per-batch` strategy with the given options (all but `maxChunk`, `keepAlive` and `perWorker`). */
export function threadPerBatchStrategy(options: Omit<ThreadStrategyOptions, 'maxChunk' | 'keepAlive' | 'perWorker'> = {}): Strategy {
  checkFactoryOptions('threadPerBatchStrategy()', options, PER_BATCH_RULES, NOT_PER_BATCH);
  return createStrategy('thread-per-batch', options);
}

/** The plugin: both strategies, for `registry.use(threadStrategies())`. `maxChunk`, `keepAlive` and `perWorker` apply to `thread`. */
export function threadStrategies(options: ThreadStrategyOptions = {}): MinigunPlugin {
  checkFactoryOptions('threadStrategies()', options, RULES);
  const { maxChunk: _chunk, keepAlive: _kept, perWorker: _perWorker, ...perBatch } = options;
  return { name: '@minigun/strategy-thread', strategies: [createStrategy('thread', options), createStrategy('thread-per-batch', perBatch)] };
}
