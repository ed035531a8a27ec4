import type { HookDefinition, HookLevel } from './types';

const LEVEL_RANK: Readonly<Record<HookLevel, number>> = { pipeline: 0, stage: 1, inline: 2 };

/**
 * Execution order within one hook point: level (pipeline < stage < inline), then inheritance depth
 * (a parent pipeline's hooks before a child's), then registration order.
 */
export function compareHooks(a: HookDefinition, b: HookDefinition): number {
  return LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || a.depth - b.depth || a.seq - b.seq;
}
