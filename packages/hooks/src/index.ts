export type * from './types';
export { HOOK_LEVELS, HOOK_POINTS, isHookLevel, isHookPoint } from './points';
export { compareHooks } from './order';
export { HookSet, type HookDefinitionInput } from './hook-set';
export { runHooks, type RunHooksOptions, type RunHooksResult } from './run-hooks';
export { HookError, type HookErrorSource } from './hook-error';
export { InvalidHookError } from './invalid-hook-error';
export { InvalidOptionError } from './invalid-option-error';
export {
  connectionLifecycle,
  type ConnectionEvent,
  type ConnectionLifecycle,
  type ConnectionLifecycleOptions,
} from './bundles/connection-lifecycle';
export {
  timingStats,
  type StageTiming,
  type TimingReport,
  type TimingStats,
  type TimingStatsOptions,
  type TimingWorker,
} from './bundles/timing-stats';
export { resourceCleanup, type ResourceCleanup } from './bundles/resource-cleanup';
