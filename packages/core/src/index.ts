/**
 * @minigun/core — multi-stage data pipelines whose stages each pick how they run.
 * Public entry: the builder (`pipeline`), the registry, the plugin contract and the public types.
 */
export { pipeline, Pipeline, type DefineFn, type StageDescription } from './pipeline.js';
export { PipelineBuilder } from './definition/builder.js';
export { Registry, defaultRegistry, CHANNEL_TRANSPORT } from './strategy/registry.js';
export { inlineStrategy } from './strategy/inline.js';
export type {
  Attempt,
  Emission,
  MinigunPlugin,
  StageExecutor,
  StageInfo,
  Strategy,
  StrategyHost,
  StreamInput,
  StreamItem,
  Transport,
  TransportSession,
  OpenTransport,
  TransportWriter,
  TransportWriteGroup,
  TransportAttemptWriter,
  CreateTransportWriter,
} from './strategy/strategy.js';
export type { ResolvedStageOptions } from './definition/options.js';
export { MinigunError, ErrorCodes, type ErrorCode } from './errors.js';
export { isMain } from './toolkit/in-worker.js';
export type * from './types.js';
