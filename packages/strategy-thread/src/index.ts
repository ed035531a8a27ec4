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
import type { MinigunPlugin, Strategy } from '@minigun/core';
import { rejectCustomStage } from '@minigun/core/toolkit';
import type { ResourceLimits } from 'node:worker_threads';
import { PoolExecutor } from './pool-executor.js';

export interface ThreadStrategyOptions {
  /**
   * Largest number of inputs the `thread` strategy sends to a worker in one message when its queue is deep
   * (adaptive chunking; each input still has its own outcome). Default 64; 1 disables chunking.
   */
  maxChunk?: number;
  /** How long closing the pool may wait for workers to terminate (ms). Default 5000. */
  terminateTimeoutMs?: number;
  /** Memory limits for each worker thread (a worker over them dies; its inputs fail or retry). */
  resourceLimits?: ResourceLimits;
}

function createStrategy(name: 'thread' | 'thread-per-batch', options: ThreadStrategyOptions): Strategy {
  const perInput = name === 'thread-per-batch';
  const maxChunk = Math.max(1, Math.floor(options.maxChunk ?? 64));
  return {
    name,
    isolated: true,
    validate: (stage) => rejectCustomStage(name, stage),
    // Chunking needs inputs to put in chunks: let the runner hand a kept pool more attempts than workers.
    slots: (stage) => (perInput || maxChunk === 1 ? stage.options.concurrency : stage.options.concurrency * maxChunk),
    createExecutor: (host) =>
      new PoolExecutor(host, { perInput, maxChunk, terminateTimeoutMs: options.terminateTimeoutMs ?? 5000, resourceLimits: options.resourceLimits }),
  };
}

/** The `thread` strategy with the given options. */
export function threadStrategy(options: ThreadStrategyOptions = {}): Strategy {
  return createStrategy('thread', options);
}

/** The `thread-per-batch` strategy with the given options. */
export function threadPerBatchStrategy(options: ThreadStrategyOptions = {}): Strategy {
  return createStrategy('thread-per-batch', options);
}

/** The plugin: both strategies, for `registry.use(threadStrategies())`. */
export function threadStrategies(options: ThreadStrategyOptions = {}): MinigunPlugin {
  return { name: '@minigun/strategy-thread', strategies: [threadStrategy(options), threadPerBatchStrategy(options)] };
}
