/**
 * Stage option merging and validation. Options come in layers — pipeline defaults, `with` contexts (outer
 * to inner), the named `context`, then the stage's own options — and the later layer wins.
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { Dispatch, InlineHooks, StageKind, StageOptions } from '../types.js';

/** A stage's options after merging, with defaults filled in. */
export interface ResolvedStageOptions {
  readonly strategy: string;
  readonly concurrency: number;
  readonly to?: readonly string[];
  readonly from?: readonly string[];
  readonly dispatch: Dispatch;
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
  'queueSize',
  'retries',
  'ordered',
  'onError',
  'context',
  'hooks',
  'transport',
  // accumulator-only, validated by the builder
  'maxSize',
  'maxWaitMs',
  'key',
  'name',
]);

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

export function resolveOptions(pipeline: string, stage: string, kind: StageKind, options: StageOptions<never>): ResolvedStageOptions {
  const where = `stage "${stage}" of pipeline "${pipeline}"`;
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key))
      throw new MinigunError(ErrorCodes.INVALID_OPTION, `Unknown option "${key}" on ${where}. Known options: ${[...KNOWN_OPTIONS].join(', ')}.`, {
        pipeline,
        stage,
      });
  }
  const isAccumulator = kind === 'accumulator';
  const strategy = options.strategy ?? 'inline';
  if (typeof strategy !== 'string' || strategy === '') throw invalid(where, 'strategy', strategy, 'a strategy name such as "inline"');
  const concurrency = options.concurrency ?? 1;
  positiveInt(where, 'concurrency', concurrency);
  const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  positiveInt(where, 'queueSize', queueSize);
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0) throw invalid(where, 'retries', retries, 'an integer of 0 or more');
  const dispatch = options.dispatch ?? 'broadcast';
  if (dispatch !== 'broadcast' && dispatch !== 'round-robin') throw invalid(where, 'dispatch', dispatch, '"broadcast" or "round-robin"');
  const onError = options.onError ?? 'continue';
  if (onError !== 'continue' && onError !== 'abort') throw invalid(where, 'onError', onError, '"continue" or "abort"');
  if (options.ordered !== undefined && typeof options.ordered !== 'boolean') throw invalid(where, 'ordered', options.ordered, 'true or false');
  if (options.transport !== undefined && (typeof options.transport !== 'string' || options.transport === ''))
    throw invalid(where, 'transport', options.transport, 'a transport name');
  if (options.hooks !== undefined) {
    if (typeof options.hooks !== 'object' || options.hooks === null) throw invalid(where, 'hooks', options.hooks, 'an object of hook functions');
    for (const [k, fn] of Object.entries(options.hooks)) {
      if (!['before', 'after', 'beforeFork', 'afterFork'].includes(k)) throw invalid(where, `hooks.${k}`, fn, 'one of before, after, beforeFork, afterFork');
      if (typeof fn !== 'function') throw invalid(where, `hooks.${k}`, fn, 'a function');
    }
  }
  const resolved: ResolvedStageOptions = {
    // Accumulators always run in the parent, one input at a time (DESIGN section 8).
    strategy: isAccumulator ? 'inline' : strategy,
    concurrency: isAccumulator ? 1 : concurrency,
    to: toList(options.to, where, 'to'),
    from: toList(options.from, where, 'from'),
    dispatch,
    queueSize,
    retries: isAccumulator ? 0 : retries,
    ordered: options.ordered ?? false,
    onError,
    context: options.context,
    hooks: options.hooks,
    transport: options.transport,
  };
  return resolved;
}

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
