/**
 * Pure graph logic: turns the defined stages (a tree, nested pipelines being groups) into static edges,
 * applying explicit `to`/`from` and the default routing (see docs/semantics.md), and validates the result.
 * No I/O and no runtime state here, so every rule is testable on its own.
 */
import { ErrorCodes, MinigunError, listNames } from '../errors.js';
import type { StageKind } from '../types.js';

export interface StageUnit {
  readonly type: 'stage';
  /** Full name (`'sub/step'` inside nested pipelines). */
  readonly name: string;
  readonly kind: StageKind;
  readonly to?: readonly string[];
  readonly from?: readonly string[];
}

export interface GroupUnit {
  readonly type: 'group';
  readonly name: string;
  readonly to?: readonly string[];
  readonly from?: readonly string[];
  readonly units: readonly Unit[];
}

export type Unit = StageUnit | GroupUnit;

export interface Graph {
  /** Stage name → its static targets, in a stable order. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** Stage name → its static sources. */
  readonly sources: ReadonlyMap<string, readonly string[]>;
  /** Stages in topological order (ties broken by definition order). */
  readonly order: readonly string[];
  readonly stages: ReadonlyMap<string, StageUnit>;
  /** Nested pipeline name → the stages that receive what is sent to it (`to: 'sub'`, `out.to('sub')`). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

/**
 * Resolves a stage or group name as written inside the nested pipeline `group` ('' at the top level):
 * innermost enclosing pipeline first, then outwards.
 */
export function resolveName(written: string, group: string, known: (name: string) => boolean): string | undefined {
  const parts = group === '' ? [] : group.split('/');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), written].join('/');
    if (known(candidate)) return candidate;
  }
  return undefined;
}

/** The nested pipeline a full name sits in ('' at the top level). */
export function parentOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i);
}

export function buildGraph(pipeline: string, units: readonly Unit[]): Graph {
  const stages = new Map<string, StageUnit>();
  const groups = new Map<string, GroupUnit>();
  const order: string[] = [];
  const all: Unit[] = [];
  const collect = (list: readonly Unit[]): void => {
    for (const u of list) {
      if (stages.has(u.name) || groups.has(u.name)) {
        throw new MinigunError(
          ErrorCodes.DUPLICATE_STAGE,
          `Pipeline "${pipeline}" defines "${u.name}" twice; stage and nested pipeline names must be unique.`,
          { pipeline, stage: u.name },
        );
      }
      all.push(u);
      if (u.type === 'stage') {
        stages.set(u.name, u);
        order.push(u.name);
      } else {
        groups.set(u.name, u);
        collect(u.units);
      }
    }
  };
  collect(units);

  const known = (n: string): boolean => stages.has(n) || groups.has(n);
  const resolve = (written: string, scope: string, option: string): string => {
    const found = resolveName(written, parentOf(scope), known);
    if (found === undefined) {
      throw new MinigunError(
        ErrorCodes.UNKNOWN_STAGE,
        `Stage "${scope}" of pipeline "${pipeline}" has ${option}: "${written}", but there is no such stage. Known stages: ${listNames([...stages.keys(), ...groups.keys()])}.`,
        { pipeline, stage: scope },
      );
    }
    return found;
  };

  // Explicit edges, as unit-level pairs (a group stands for its entries or exits).
  const pairs: Array<[string, string]> = [];
  const namedInFrom = new Set<string>(); // units some other unit lists in `from`: not default-routed
  const noDefaultInput = new Set<string>(); // units with `from: []`: never default targets
  for (const u of all) {
    for (const t of u.to ?? []) pairs.push([u.name, resolve(t, u.name, 'to')]);
    // A `from` list adds edges and never removes the default one (gap filling), but `from: []` says the unit
    // takes no default input: it receives only explicit `to`s and out.to() (a dynamic routing target).
    if (u.from !== undefined && u.from.length === 0 && !(u.type === 'stage' && u.kind === 'producer')) noDefaultInput.add(u.name);
    for (const f of u.from ?? []) {
      if (u.type === 'stage' && u.kind === 'producer') {
        throw new MinigunError(
          ErrorCodes.INVALID_ROUTE,
          `Producer "${u.name}" of pipeline "${pipeline}" has from: "${f}", but producers never receive items. Remove the from option.`,
          { pipeline, stage: u.name },
        );
      }
      const source = resolve(f, u.name, 'from');
      namedInFrom.add(source);
      pairs.push([source, u.name]);
    }
  }
  // `to: []` is meaningful too: the unit sends nowhere by default.
  const routedExplicitly = (u: Unit): boolean => u.to !== undefined || namedInFrom.has(u.name);
  const receives = (u: Unit): boolean => !(u.type === 'stage' && u.kind === 'producer') && !noDefaultInput.has(u.name);

  // A nested pipeline behaves as one stage: its first receiving unit takes input; see groupExits for output.
  const entries = (u: Unit): string[] => {
    if (u.type === 'stage') return receives(u) ? [u.name] : [];
    const first = u.units.find(receives);
    return first === undefined ? [] : entries(first);
  };
  const edges = new Map<string, string[]>(order.map((n) => [n, []]));
  const unit = (name: string): Unit => stages.get(name) ?? groups.get(name)!;
  const members = (g: GroupUnit): string[] => g.units.flatMap((u) => (u.type === 'stage' ? [u.name] : members(u)));
  // A group's exits: its stages that send nowhere inside it and are not routed explicitly (so a nested
  // pipeline ending in a fan-out passes on every branch).
  const groupExits = (g: GroupUnit): string[] => {
    const inside = new Set(members(g));
    return [...inside].filter((s) => !routedExplicitly(stages.get(s)!) && !edges.get(s)!.some((t) => inside.has(t)));
  };
  const exits = (u: Unit): string[] => (routedExplicitly(u) ? [] : u.type === 'stage' ? [u.name] : groupExits(u));
  // For an explicit edge naming a group, the group's own `to`/`from` do not matter: use its ends.
  const groupEntries = (g: GroupUnit): string[] => {
    const first = g.units.find(receives);
    return first === undefined ? [] : entries(first);
  };

  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(...edges.get(n)!);
      }
    }
    return false;
  };
  // Default routing of one sequence; a default edge that would close a cycle is skipped.
  const routeSequence = (list: readonly Unit[]): void => {
    for (let i = 0; i < list.length; i++) {
      const next = list.slice(i + 1).find((n) => !(n.type === 'stage' && n.kind === 'producer'));
      if (next === undefined || !receives(next)) continue;
      for (const a of exits(list[i]!)) for (const b of entries(next)) if (!reaches(b, a)) addUnique(edges.get(a)!, b);
    }
  };
  const addPair = ([a, b]: [string, string]): void => {
    const target = unit(b);
    if (target.type === 'stage' && target.kind === 'producer') {
      throw new MinigunError(
        ErrorCodes.INVALID_ROUTE,
        `Pipeline "${pipeline}" routes "${a}" to producer "${b}", but producers never receive items. Route to a processor, accumulator or consumer instead.`,
        { pipeline, stage: a },
      );
    }
    const source = unit(a);
    const from = source.type === 'stage' ? [a] : groupExits(source);
    const to = target.type === 'stage' ? [b] : groupEntries(target);
    for (const s of from) for (const t of to) addUnique(edges.get(s)!, t);
  };
  const touchesGroup = ([a, b]: [string, string]): boolean => groups.has(a) || groups.has(b);

  // Explicit stage-to-stage edges first; then the inside of each nested pipeline (innermost first), whose
  // exits depend on it; then explicit edges naming nested pipelines; then the top-level sequence.
  pairs.filter((p) => !touchesGroup(p)).forEach(addPair);
  const routeGroups = (list: readonly Unit[]): void => {
    for (const u of list) {
      if (u.type !== 'group') continue;
      routeGroups(u.units);
      routeSequence(u.units);
    }
  };
  routeGroups(units);
  pairs.filter(touchesGroup).forEach(addPair);
  checkCycles(pipeline, order, edges);
  routeSequence(units);

  const sources = new Map<string, string[]>(order.map((n) => [n, []]));
  for (const [a, targets] of edges) for (const b of targets) sources.get(b)!.push(a);
  const groupTargets = new Map([...groups.values()].map((g) => [g.name, groupEntries(g)] as const));
  return { edges, sources, order: topoOrder(order, edges, sources), stages, groups: groupTargets };
}

function addUnique(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

function checkCycles(pipeline: string, order: readonly string[], edges: ReadonlyMap<string, readonly string[]>): void {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    path.push(n);
    for (const t of edges.get(n) ?? []) {
      const s = state.get(t);
      if (s === 1) {
        const cycle = [...path.slice(path.indexOf(t)), t].join(' -> ');
        throw new MinigunError(
          ErrorCodes.CYCLE,
          `Pipeline "${pipeline}" has a cycle: ${cycle}. Remove one of these edges (to/from), or use out.to() for deliberate loops.`,
          { pipeline, stage: t },
        );
      }
      if (s === undefined) visit(t);
    }
    path.pop();
    state.set(n, 2);
  };
  for (const n of order) if (!state.has(n)) visit(n);
}

function topoOrder(order: readonly string[], edges: ReadonlyMap<string, readonly string[]>, sources: ReadonlyMap<string, readonly string[]>): string[] {
  const indegree = new Map(order.map((n) => [n, sources.get(n)!.length]));
  const rank = new Map(order.map((n, i) => [n, i]));
  const ready = order.filter((n) => indegree.get(n) === 0);
  const result: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    const n = ready.shift()!;
    result.push(n);
    for (const t of edges.get(n)!) {
      const d = indegree.get(t)! - 1;
      indegree.set(t, d);
      if (d === 0) ready.push(t);
    }
  }
  return result;
}
