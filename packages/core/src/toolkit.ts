/**
 * @minigun/core/toolkit — what isolated strategy packages build on: the worker protocol, the worker-side
 * runtime, error serialisation and cloneability checks. Strategies never depend on each other; they share
 * this.
 */
export * from './toolkit/protocol.js';
export { WorkerRuntime, type PreparedStage, type StageTarget } from './toolkit/worker-runtime.js';
export { serializeError, deserializeError, type SerializedError } from './toolkit/serialize-error.js';
export { findUncloneable, assertCloneable, type Uncloneable } from './toolkit/cloneable.js';
export { importPipelineModule } from './toolkit/locate.js';
export { inMinigunWorker, markMinigunWorker } from './toolkit/in-worker.js';
export { currentThreadId } from './toolkit/thread-id.js';
export { serveWorker, type WorkerChannel } from './toolkit/serve-worker.js';
export { AdaptiveChunker } from './toolkit/chunker.js';
export { AttemptQueue, type QueuedAttempt } from './toolkit/attempt-queue.js';
export { ProducerFeed, CreditWindow } from './toolkit/producer-flow.js';
export { StreamPump, StreamInbox, type StreamChannel } from './toolkit/stream-flow.js';
export { forkSetup, deliverHookReport } from './toolkit/fork-setup.js';
export { emissionsOf } from './toolkit/outcome.js';
export { rejectCustomStage } from './toolkit/stage-kinds.js';
export { checkFactoryOptions, optionRules, type OptionRule } from './toolkit/factory-options.js';
export { WarmPools, keepAliveRule, keepAliveIdleMs, DEFAULT_IDLE_MS, type KeepAliveOptions } from './toolkit/warm-pools.js';
