/**
 * Stage option merging and validation. Options come in layers — pipeline defaults, `with` contexts (outer
 * to inner), the named `context`, then the stage's own options — and the later layer wins.
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { Dispatch, InlineHooks, PartitionKey, StageKind, StageOptions } from '../types.js';

/** A stage's options after merging, with defaults filled in. */
export interface ResolvedStageOptions {
  readonly strategy: string;
  readonly concurrency: number;
  readonly to?: readonly string[];
  readonly from?: readonly string[];
  readonly dispatch: Dispatch;
  readonly partitionKey?: PartitionKey;
  readonly partitionHash?: (key: string | number | bigint | boolean) => number;
  readonly queueSize: number;
  readonly retries: number;
  readonly ordered: boolean;
  readonly onError: 'continue' | 'abort';
  readonly context?: string;
  readonly hooks?: InlineHooks<never>;
  readonly transport?: string;
}

export const DEFAULT_QUEUE_SIZE = 1000;

const KNOWN_OPTIONS = new Set([
  'strategy',
  'concurrency',
  'to',
  'from',
  'dispatch',
  'partitionKey',
  'partitionHash',
  'queueSize',
  'retries',
  'ordered',
  'onError',
  'context',
  'hooks',
  'transport',
]);
const DISPATCHES: readonly Dispatch[] = ['broadcast', 'round-robin', 'partition', 'demand'];

/** Options of accumulators only (`p.accumulator`, `p.batch`): named in the error when given to another stage. */
const ACCUMULATOR_ONLY = new Set(['maxSize', 'maxWaitMs', 'key', 'name']);

/**
 * Options a kind of stage cannot honour, with the reason. Given in the stage's own options they are refused;
 * inherited from pipeline defaults or a context (which apply to every stage inside), they do not apply to
 * that stage and are left out of its resolved options.
 */
const NOT_FOR: Partial<Record<StageKind, Partial<Record<string, string>>>> = {
  producer: {
    concurrency: 'a producer runs once (define several producers for parallel sources)',
    retries: 'a producer runs once: retrying it would emit its items again',
    ordered: 'a producer emits in its own order',
    queueSize: 'a producer has no input queue',
    transport: 'a producer streams its items to the parent over the worker channel, with backpressure',
  },
  stage: {
    retries: 'a custom stage reads its whole input stream: one failed item cannot be retried alone',
    ordered: 'a custom stage emits whenever it likes: order it in its own loop',
    transport: 'a custom stage streams its items to the parent over the worker channel, with backpressure',
  },
};

export function mergeOptions(layers: readonly (StageOptions<never> | undefined)[]): StageOptions<never> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  }
  return merged as StageOptions<never>;
}

/** `to`/`from` may be given as one name or a list. */
export function toList(value: string | readonly string[] | undefined, where: string, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((n) => typeof n !== 'string' || n === '')) {
    throw invalid(where, option, value, 'a stage name or an array of stage names');
  }
  return list;
}

/**
 * Checks the names and values of stage options wherever they are given: a stage, a context (`p.with`,
 * `p.context`), pipeline defaults. Kind-specific rules are checked by `resolveOptions`.
 */
export function checkOptionValues(pipeline: string, where: string, options: StageOptions<never>, stage?: string): void {
  if (options === null || typeof options !== 'object') throw invalid(where, 'options', options, 'an object of stage options');
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(key)) continue;
    const hint = ACCUMULATOR_ONLY.has(key)
      ? `"${key}" is an option of accumulators (p.accumulator(name, { maxSize, … }) or p.batch(size)).`
      : `Known options: ${[...KNOWN_OPTIONS].join(', ')}.`;
    throw new MinigunError(ErrorCodes.INVALID_OPTION, `Unknown option "${key}" on ${where}. ${hint}`, { pipeline, stage });
  }
  const o = options;
  if (o.strategy !== undefined && (typeof o.strategy !== 'string' || o.strategy === ''))
    throw invalid(where, 'strategy', o.strategy, 'a strategy name such as "inline"');
  if (o.concurrency !== undefined) positiveInt(where, 'concurrency', o.concurrency);
  if (o.queueSize !== undefined) positiveInt(where, 'queueSize', o.queueSize);
  if (o.retries !== undefined && (typeof o.retries !== 'number' || !Number.isInteger(o.retries) || o.retries < 0))
    throw invalid(where, 'retries', o.retries, 'an integer of 0 or more');
  if (o.dispatch !== undefined && !DISPATCHES.includes(o.dispatch))
    throw invalid(where, 'dispatch', o.dispatch, '"broadcast", "round-robin", "partition" or "demand"');
  if (o.partitionKey !== undefined && typeof o.partitionKey !== 'function') throw invalid(where, 'partitionKey', o.partitionKey, 'a function (item) => key');
  if (o.partitionHash !== undefined && typeof o.partitionHash !== 'function')
    throw invalid(where, 'partitionHash', o.partitionHash, 'a function (key) => number');
  if (o.onError !== undefined && o.onError !== 'continue' && o.onError !== 'abort') throw invalid(where, 'onError', o.onError, '"continue" or "abort"');
  if (o.ordered !== undefined && typeof o.ordered !== 'boolean') throw invalid(where, 'ordered', o.ordered, 'true or false');
  if (o.context !== undefined && (typeof o.context !== 'string' || o.context === '')) throw invalid(where, 'context', o.context, 'the name of a context');
  if (o.transport !== undefined && (typeof o.transport !== 'string' || o.transport === '')) throw invalid(where, 'transport', o.transport, 'a transport name');
  toList(o.to, where, 'to');
  toList(o.from, where, 'from');
  if (o.hooks !== undefined) {
    if (typeof o.hooks !== 'object' || o.hooks === null) throw invalid(where, 'hooks', o.hooks, 'an object of hook functions');
    for (const [k, fn] of Object.entries(o.hooks)) {
      if (!['before', 'after', 'beforeFork', 'afterFork'].includes(k)) throw invalid(where, `hooks.${k}`, fn, 'one of before, after, beforeFork, afterFork');
      if (typeof fn !== 'function') throw invalid(where, `hooks.${k}`, fn, 'a function');
    }
  }
}

/**
 * Resolves a stage's options: `merged` is every layer merged (defaults, contexts, own), `own` the options
 * given to the stage itself. Options the kind cannot honour are refused when own and left out when inherited.
 */
export function resolveOptions(
  pipeline: string,
  stage: string,
  kind: StageKind,
  merged: StageOptions<never>,
  own: StageOptions<never> = merged,
): ResolvedStageOptions {
  const where = `stage "${stage}" of pipeline "${pipeline}"`;
  checkOptionValues(pipeline, where, merged, stage);
  const notHere = NOT_FOR[kind] ?? {};
  for (const [key, reason] of Object.entries(notHere)) {
    const value = (own as Record<string, unknown>)[key];
    if (value === undefined || (key === 'concurrency' && value === 1)) continue;
    throw new MinigunError(ErrorCodes.INVALID_OPTION, `Option ${key} on ${where} does not apply to a ${KIND_NAMES[kind]}: ${reason}. Remove it.`, {
      pipeline,
      stage,
    });
  }
  const applies = (key: string): boolean => !(key in notHere);
  const dispatch = merged.dispatch ?? 'broadcast';
  if (dispatch === 'partition' && merged.partitionKey === undefined)
    throw invalid(where, 'dispatch', dispatch, 'a partitionKey: (item) => key with it (which item goes to which target)');
  for (const key of ['partitionKey', 'partitionHash'] as const) {
    if (dispatch !== 'partition' && own[key] !== undefined)
      throw invalid(where, key, own[key], `dispatch: 'partition' with it (it only applies there; dispatch is "${dispatch}")`);
  }
  const isAccumulator = kind === 'accumulator';
  if (isAccumulator && merged.hooks !== undefined) {
    for (const k of ['beforeFork', 'afterFork'] as const) {
      if (merged.hooks[k] !== undefined)
        throw invalid(where, `hooks.${k}`, merged.hooks[k], 'before or after only (accumulators always run in the parent and never fork)');
    }
  }
  return {
    // Accumulators always run in the parent, one input at a time, in order.
    strategy: isAccumulator ? 'inline' : (merged.strategy ?? 'inline'),
    concurrency: isAccumulator || !applies('concurrency') ? 1 : (merged.concurrency ?? 1),
    to: toList(merged.to, where, 'to'),
    from: toList(merged.from, where, 'from'),
    dispatch,
    ...(dispatch === 'partition' ? { partitionKey: merged.partitionKey, partitionHash: merged.partitionHash } : {}),
    queueSize: merged.queueSize ?? DEFAULT_QUEUE_SIZE,
    retries: isAccumulator || !applies('retries') ? 0 : (merged.retries ?? 0),
    ordered: applies('ordered') ? (merged.ordered ?? false) : false,
    onError: merged.onError ?? 'continue',
    context: merged.context,
    hooks: merged.hooks,
    transport: applies('transport') ? merged.transport : undefined,
  };
}

const KIND_NAMES: Record<StageKind, string> = {
  producer: 'producer',
  processor: 'processor',
  consumer: 'consumer',
  accumulator: 'accumulator',
  stage: 'custom stage',
};

export function positiveInt(where: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(where, option, value, 'a positive integer');
}

export function invalid(where: string, option: string, value: unknown, expected: string): MinigunError {
  let shown: string;
  try {
    shown = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  return new MinigunError(ErrorCodes.INVALID_OPTION, `Invalid ${option} ${shown} on ${where}: expected ${expected}.`);
}
