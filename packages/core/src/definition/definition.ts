/**
 * The data a pipeline definition is made of. The builder writes it; `compile` turns it into validated
 * stages and a graph. Plain data, so that `extend` can copy it and leave the parent unchanged.
 */
import type { HookPoint } from '@minigun/hooks';
import type { StageKind, StageOptions } from '../types.js';

/** A stage or hook function, stored loosely: each kind is called with its own arguments. */
export type StageFn = (...args: never[]) => unknown;

export interface StageDraft {
  readonly type: 'stage';
  /** Full name: `'sub/step'` inside nested pipelines. */
  readonly name: string;
  readonly kind: StageKind;
  readonly fn: StageFn | undefined;
  /** Option layers from surrounding `with` contexts and nested-pipeline options, outer to inner. */
  readonly layers: readonly StageOptions<never>[];
  readonly own: StageOptions<never>;
  readonly accumulator?: AccumulatorSpec;
  /** Inheritance depth of the pipeline that defined the stage (0 = root ancestor); orders inline hooks. */
  readonly depth: number;
  readonly origin: string;
}

export interface AccumulatorSpec {
  readonly maxSize: number;
  readonly maxWaitMs?: number;
  readonly key?: (item: never) => string | number;
  /** `p.rebatch`: an array input adds each of its elements (counted as inputs one by one). */
  readonly spread?: boolean;
}

export interface GroupDraft {
  readonly type: 'group';
  readonly name: string;
  readonly to?: string | readonly string[];
  readonly from?: string | readonly string[];
  readonly units: UnitDraft[];
}

export type UnitDraft = StageDraft | GroupDraft;

export interface HookDraft {
  readonly point: HookPoint;
  /** As written; resolved relative to `scope` at compile time. */
  readonly stage?: string;
  /** Full name of the nested pipeline the hook was defined in ('' at the top). */
  readonly scope: string;
  readonly fn: StageFn;
  readonly depth: number;
  readonly origin: string;
}

export interface Definition {
  readonly name: string;
  readonly module?: string;
  readonly units: UnitDraft[];
  readonly hooks: HookDraft[];
  readonly contexts: Map<string, StageOptions<never>>;
  defaults: StageOptions<never>;
  /** `p.reroute(stage, { to })` overrides, keyed by full stage name as written. */
  readonly reroutes: Array<{ stage: string; scope: string; to: string | readonly string[] }>;
  readonly depth: number;
}

/** Deep-enough copy for `extend`: lists and maps are new, stage/hook drafts (immutable) are shared. */
export function copyDefinition(def: Definition, name: string, module: string | undefined): Definition {
  const copyUnits = (units: UnitDraft[]): UnitDraft[] => units.map((u) => (u.type === 'group' ? { ...u, units: copyUnits(u.units) } : u));
  return {
    name,
    module: module ?? def.module,
    units: copyUnits(def.units),
    hooks: [...def.hooks],
    contexts: new Map(def.contexts),
    defaults: { ...def.defaults },
    reroutes: [...def.reroutes],
    depth: def.depth + 1,
  };
}
