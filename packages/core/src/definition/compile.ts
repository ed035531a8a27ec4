/**
 * Turns a `Definition` into what a run needs: resolved stage options, the graph and the ordered hooks.
 * Runs eagerly in `pipeline()` and `extend()`, so definition errors surface where the pipeline is defined.
 */
import { HookSet } from '@minigun/hooks';
import { ErrorCodes, MinigunError, listNames } from '../errors.js';
import type { StageKind, StageOptions } from '../types.js';
import type { AccumulatorSpec, Definition, StageDraft, StageFn, UnitDraft } from './definition.js';
import { buildGraph, parentOf, resolveName, type Graph, type Unit } from './graph.js';
import { mergeOptions, resolveOptions, type ResolvedStageOptions } from './options.js';

export interface CompiledStage {
  readonly name: string;
  readonly kind: StageKind;
  readonly fn: StageFn | undefined;
  readonly options: ResolvedStageOptions;
  /** The options given to the stage itself (not inherited from defaults or contexts). */
  readonly own: StageOptions<never>;
  readonly accumulator?: AccumulatorSpec;
  /** The nested pipeline the stage sits in ('' at the top): `out.to()` names resolve from here. */
  readonly group: string;
}

export interface CompiledPipeline {
  readonly name: string;
  readonly module?: string;
  readonly stages: ReadonlyMap<string, CompiledStage>;
  readonly graph: Graph;
  readonly hooks: HookSet;
}

export function compile(def: Definition): CompiledPipeline {
  const pipeline = def.name;
  const drafts: StageDraft[] = [];
  const groupNames = new Set<string>();
  const walk = (units: readonly UnitDraft[]): void => units.forEach((u) => (u.type === 'stage' ? drafts.push(u) : (groupNames.add(u.name), walk(u.units))));
  walk(def.units);
  const knownList = (): string => listNames(drafts.map((d) => d.name));

  const reroutes = new Map<string, string | readonly string[]>();
  for (const r of def.reroutes) {
    const target = resolveName(r.stage, r.scope, (n) => drafts.some((d) => d.name === n));
    if (target === undefined)
      throw new MinigunError(
        ErrorCodes.UNKNOWN_STAGE,
        `Pipeline "${pipeline}" reroutes stage "${r.stage}", which it does not have. Known stages: ${knownList()}.`,
        { pipeline, stage: r.stage },
      );
    reroutes.set(target, r.to);
  }

  const stages = new Map<string, CompiledStage>();
  for (const d of drafts) {
    const layers: (StageOptions<never> | undefined)[] = d.kind === 'accumulator' ? [d.own] : [def.defaults, ...d.layers, d.own];
    const contextName = mergeOptions(layers).context;
    if (contextName !== undefined) {
      const named = def.contexts.get(contextName);
      if (named === undefined) {
        throw new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `Stage "${d.name}" of pipeline "${pipeline}" uses context "${contextName}", which is not declared. Declare it with p.context("${contextName}", { … }). Declared contexts: ${listNames(def.contexts.keys())}.`,
          { pipeline, stage: d.name },
        );
      }
      layers.splice(layers.length - 1, 0, named);
    }
    const reroute = reroutes.get(d.name);
    if (reroute !== undefined) layers.push({ to: reroute });
    const options = resolveOptions(pipeline, d.name, d.kind, mergeOptions(layers), d.own);
    stages.set(d.name, { name: d.name, kind: d.kind, fn: d.fn, options, own: d.own, accumulator: d.accumulator, group: parentOf(d.name) });
  }

  const toUnits = (units: readonly UnitDraft[]): Unit[] =>
    units.map((u): Unit => {
      if (u.type === 'group') return { type: 'group', name: u.name, to: list(u.to), from: list(u.from), units: toUnits(u.units) };
      const s = stages.get(u.name)!;
      return { type: 'stage', name: u.name, kind: u.kind, to: s.options.to, from: s.options.from };
    });
  const graph = buildGraph(pipeline, toUnits(def.units));

  const hooks = new HookSet();
  for (const h of def.hooks) {
    let stage: string | undefined;
    if (h.stage !== undefined) {
      stage = resolveName(h.stage, h.scope, (n) => stages.has(n));
      if (stage === undefined) {
        throw new MinigunError(
          ErrorCodes.UNKNOWN_STAGE,
          `Pipeline "${pipeline}" has a ${h.point} hook for stage "${h.stage}", which it does not have. Known stages: ${knownList()}.`,
          { pipeline, stage: h.stage },
        );
      }
    }
    hooks.add({ point: h.point, stage, level: stage === undefined ? 'pipeline' : 'stage', origin: h.origin, depth: h.depth, fn: h.fn });
  }
  for (const d of drafts) {
    const inline = stages.get(d.name)!.options.hooks;
    if (inline === undefined) continue;
    for (const point of ['before', 'after', 'beforeFork', 'afterFork'] as const) {
      const fn = inline[point];
      if (fn !== undefined) hooks.add({ point, stage: d.name, level: 'inline', origin: d.origin, depth: d.depth, fn: fn as StageFn });
    }
  }
  return { name: pipeline, module: def.module, stages, graph, hooks };
}

function list(v: string | readonly string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? [v] : v;
}
