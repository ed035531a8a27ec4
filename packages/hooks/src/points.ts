import type { HookLevel, HookPoint } from './types';

/** Every hook point, in the order a run meets them. */
export const HOOK_POINTS: readonly HookPoint[] = Object.freeze([
  'preload',
  'beforeRun',
  'before',
  'beforeFork',
  'afterFork',
  'after',
  'onError',
  'afterRun',
] as const);

/** Every hook level, in execution order within one point. */
export const HOOK_LEVELS: readonly HookLevel[] = Object.freeze(['pipeline', 'stage', 'inline'] as const);

const POINT_SET: ReadonlySet<unknown> = new Set(HOOK_POINTS);
const LEVEL_SET: ReadonlySet<unknown> = new Set(HOOK_LEVELS);

export function isHookPoint(value: unknown): value is HookPoint {
  return POINT_SET.has(value);
}

export function isHookLevel(value: unknown): value is HookLevel {
  return LEVEL_SET.has(value);
}
