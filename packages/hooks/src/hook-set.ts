import { InvalidHookError } from './invalid-hook-error';
import { compareHooks } from './order';
import { HOOK_LEVELS, HOOK_POINTS, isHookLevel, isHookPoint } from './points';
import type { HookDefinition, HookPoint } from './types';

/** What `HookSet.add` takes: a definition without `seq`, which the set assigns. */
export type HookDefinitionInput = Omit<HookDefinition, 'seq'>;

// Global rather than per set: hooks added to a clone (extend) must sort after the parent's, and hooks of
// unrelated sets never meet in one list.
let nextSeq = 1;

/**
 * The hooks of one pipeline. Definitions are frozen, so clones share them safely; `list` answers in
 * execution order.
 */
export class HookSet {
  #hooks: HookDefinition[] = [];
  // `list` runs per stage and per forked input; the answer only changes on `add`.
  #cache = new Map<string, readonly HookDefinition[]>();

  /** Validates and stores a hook; returns the frozen definition with its `seq`. */
  add(def: HookDefinitionInput): HookDefinition {
    validate(def);
    const stored: HookDefinition = Object.freeze({
      point: def.point,
      ...(def.stage === undefined ? {} : { stage: def.stage }),
      level: def.level,
      origin: def.origin,
      depth: def.depth,
      seq: nextSeq++,
      fn: def.fn,
    });
    this.#hooks.push(stored);
    this.#cache.clear();
    return stored;
  }

  /**
   * Hooks of `point` in execution order. With `stage`, the pipeline-level ones (no stage: they apply to
   * every stage) and those bound to that stage; without it, only the pipeline-level ones.
   */
  list(point: HookPoint, stage?: string): HookDefinition[] {
    if (!isHookPoint(point)) throw invalid(`unknown hook point ${show(point)}; expected one of ${HOOK_POINTS.join(', ')}`);
    const key = stage === undefined ? point : `${point}\u0000${stage}`;
    let sorted = this.#cache.get(key);
    if (sorted === undefined) {
      sorted = this.#hooks.filter((h) => h.point === point && (h.stage === undefined || h.stage === stage)).sort(compareHooks);
      this.#cache.set(key, sorted);
    }
    return sorted.slice();
  }

  /** An independent copy: adding to either side later does not affect the other. */
  clone(): HookSet {
    const copy = new HookSet();
    copy.#hooks = this.#hooks.slice();
    return copy;
  }

  get size(): number {
    return this.#hooks.length;
  }

  /** Every hook, in registration order. */
  all(): HookDefinition[] {
    return this.#hooks.slice();
  }
}

function validate(def: HookDefinitionInput): void {
  if (typeof def !== 'object' || def === null) throw invalid(`a hook definition must be an object, got ${show(def)}`);
  const where = `${String(def.point)} hook of pipeline ${show(def.origin)}`;
  if (!isHookPoint(def.point)) {
    throw invalid(`unknown hook point ${show(def.point)}; expected one of ${HOOK_POINTS.join(', ')}`);
  }
  if (typeof def.fn !== 'function') throw invalid(`${where}: the hook must be a function, got ${show(def.fn)}`);
  if (def.stage !== undefined && (typeof def.stage !== 'string' || def.stage === '')) {
    throw invalid(`${where}: stage must be a non-empty string, got ${show(def.stage)}`);
  }
  if (!isHookLevel(def.level)) {
    throw invalid(`${where}: unknown hook level ${show(def.level)}; expected one of ${HOOK_LEVELS.join(', ')}`);
  }
  if (typeof def.origin !== 'string') throw invalid(`${where}: origin must be the pipeline name, got ${show(def.origin)}`);
  if (!Number.isInteger(def.depth) || def.depth < 0) {
    throw invalid(`${where}: depth must be an integer >= 0, got ${show(def.depth)}`);
  }
}

function invalid(message: string): InvalidHookError {
  return new InvalidHookError(`Invalid hook: ${message}`);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
