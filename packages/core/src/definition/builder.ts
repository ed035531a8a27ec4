/**
 * The `p` handed to `pipeline(name, options, (p) => …)`: records stages, contexts and hooks into a
 * `Definition`. Nothing runs here; `compile` validates the whole at the end of the define callback.
 */
import type { HookBundle, HookPoint, HookTarget } from '@minigun/hooks';
import { ErrorCodes, MinigunError } from '../errors.js';
import type {
  AccumulatorFn,
  AccumulatorOptions,
  AfterRunHook,
  BatchOptions,
  BeforeRunHook,
  ConsumerFn,
  CustomStageFn,
  ErrorHook,
  ProcessorFn,
  ProducerFn,
  RunContext,
  StageHook,
  PreloadHook,
  StageKind,
  StageOptions,
} from '../types.js';
import type { Definition, GroupDraft, StageFn, UnitDraft } from './definition.js';
import { checkOptionValues, invalid, positiveInt } from './options.js';

/** Something that carries a definition: a `Pipeline`, embeddable with `p.pipeline(name, other)`. */
export interface DefinitionSource {
  /** @internal */
  readonly definition: Definition;
}

const ACCUMULATOR_KEYS = new Set([
  'maxSize',
  'maxWaitMs',
  'key',
  'to',
  'from',
  'dispatch',
  'partitionKey',
  'partitionHash',
  'queueSize',
  'hooks',
  'onError',
  'name',
]);

export class PipelineBuilder<S = unknown> implements HookTarget<RunContext<S>> {
  /** @internal */
  constructor(
    private readonly def: Definition,
    private readonly origin: string,
    private readonly scope: string = '',
    private readonly units: UnitDraft[] = def.units,
    private readonly layers: readonly StageOptions<never>[] = [],
  ) {}

  /** Name of the pipeline being defined. */
  get name(): string {
    return this.def.name;
  }

  // ---- stages -------------------------------------------------------------------------------------

  /** A source of items: call `out.emit(x)`, or return an iterable or async iterable. */
  producer<T = unknown>(name: string, fn: ProducerFn<S, T>): this;
  producer<T = unknown>(name: string, options: StageOptions<S>, fn: ProducerFn<S, T>): this;
  producer(name: string, a: unknown, b?: unknown): this {
    return this.addStage('producer', name, a, b);
  }

  /** Transforms each input; a returned value other than `undefined` is emitted. */
  processor<I = unknown, O = unknown>(name: string, fn: ProcessorFn<S, I, O>): this;
  processor<I = unknown, O = unknown>(name: string, options: StageOptions<S>, fn: ProcessorFn<S, I, O>): this;
  processor(name: string, a: unknown, b?: unknown): this {
    return this.addStage('processor', name, a, b);
  }

  /** Ends a path: handles each input; it may still `out.emit` or `out.to(name).emit`. */
  consumer<I = unknown>(name: string, fn: ConsumerFn<S, I>): this;
  consumer<I = unknown>(name: string, options: StageOptions<S>, fn: ConsumerFn<S, I>): this;
  consumer(name: string, a: unknown, b?: unknown): this {
    return this.addStage('consumer', name, a, b);
  }

  /**
   * Buffers items and flushes them as arrays of up to `maxSize` (per `key`), after `maxWaitMs`, and at the
   * end. `fn(items, out, ctx)` handles a flush; without it the array itself is emitted.
   */
  accumulator<I = unknown>(name: string, options: AccumulatorOptions<S>, fn?: AccumulatorFn<S, I>): this {
    return this.addAccumulator(name, options, fn, false);
  }

  /**
   * Turns arrays back into single items: each element of an array input is emitted on its own, in order (an
   * input that is not an array is emitted as it is). Named `debatch`, `debatch-2`, … unless `options.name` is
   * given. Runs in the parent like an accumulator; `in`/`done` count arrays, `out` items.
   */
  debatch(options: Omit<BatchOptions<S>, 'maxWaitMs'> = {}): this {
    if (options === null || typeof options !== 'object') throw invalid(`debatch of pipeline "${this.def.name}"`, 'options', options, 'an object');
    const name = options.name ?? this.freeName('debatch');
    const { name: _n, ...rest } = options as BatchOptions<S>;
    if (rest.maxWaitMs !== undefined) throw invalid(this.where(name), 'maxWaitMs', rest.maxWaitMs, 'nothing: debatch holds no items (remove it)');
    const spread: AccumulatorFn<S, unknown> = async (inputs, out) => {
      for (const input of inputs) for (const item of Array.isArray(input) ? input : [input]) await out.emit(item);
    };
    return this.addAccumulator(name, { ...rest, maxSize: 1 }, spread, false);
  }

  /**
   * Re-cuts arrays into arrays of `size` across input boundaries (the last may be shorter, flushed at the end
   * or after `maxWaitMs`); an input that is not an array counts as one item. Named `rebatch`, `rebatch-2`, …
   * unless `options.name` is given. Runs in the parent like an accumulator; `in`/`done` count items.
   */
  rebatch(size: number, options: BatchOptions<S> = {}): this {
    positiveInt(`rebatch of pipeline "${this.def.name}"`, 'size', size);
    if (options === null || typeof options !== 'object') throw invalid(`rebatch of pipeline "${this.def.name}"`, 'options', options, 'an object');
    const name = options.name ?? this.freeName('rebatch');
    const { name: _n, ...rest } = options;
    return this.addAccumulator(name, { ...rest, maxSize: size }, undefined, true);
  }

  private addAccumulator<I>(name: string, options: AccumulatorOptions<S>, fn: AccumulatorFn<S, I> | undefined, spread: boolean): this {
    this.checkName(name);
    if (options === null || typeof options !== 'object') throw invalid(this.where(name), 'options', options, 'an object with maxSize');
    for (const k of Object.keys(options)) {
      if (!ACCUMULATOR_KEYS.has(k))
        throw invalid(
          this.where(name),
          k,
          (options as unknown as Record<string, unknown>)[k],
          `one of ${[...ACCUMULATOR_KEYS].join(', ')} (accumulators always run inline, in the parent)`,
        );
    }
    positiveInt(this.where(name), 'maxSize', options.maxSize);
    if (options.maxWaitMs !== undefined && (typeof options.maxWaitMs !== 'number' || !(options.maxWaitMs > 0)))
      throw invalid(this.where(name), 'maxWaitMs', options.maxWaitMs, 'a positive number of milliseconds');
    if (options.key !== undefined && typeof options.key !== 'function') throw invalid(this.where(name), 'key', options.key, 'a function of the item');
    if (fn !== undefined && typeof fn !== 'function') throw invalid(this.where(name), 'fn', fn, 'a function (items, out, ctx)');
    const { maxSize, maxWaitMs, key, name: _n, ...rest } = options as AccumulatorOptions<S> & { name?: string };
    this.push({
      type: 'stage',
      name: this.full(name),
      kind: 'accumulator',
      fn: fn as StageFn | undefined,
      // Contexts do not apply to accumulators (they always run in the parent), so no layers.
      layers: [],
      own: rest as StageOptions<never>,
      accumulator: { maxSize, maxWaitMs, key, ...(spread ? { spread } : {}) },
      depth: this.def.depth,
      origin: this.origin,
    });
    return this;
  }

  /** An accumulator emitting arrays of up to `size` items; named `batch`, `batch-2`, … unless `options.name` is given. */
  batch(size: number, options: BatchOptions<S> = {}): this {
    positiveInt(`batch of pipeline "${this.def.name}"`, 'size', size);
    const name = options.name ?? this.freeName('batch');
    const { name: _n, ...rest } = options;
    return this.accumulator(name, { ...rest, maxSize: size });
  }

  /** A custom stage that reads its whole input stream itself: `for await (const x of input)`. */
  stage<I = unknown>(name: string, fn: CustomStageFn<S, I>): this;
  stage<I = unknown>(name: string, options: StageOptions<S>, fn: CustomStageFn<S, I>): this;
  stage(name: string, a: unknown, b?: unknown): this {
    return this.addStage('stage', name, a, b);
  }

  /**
   * Nests a pipeline as one stage (for default routing its first stages receive and its last ones emit).
   * Its stages are addressed as `'name/step'`. `options.to`/`from` route the nested pipeline as a whole;
   * the other options apply to its stages like a context. Pass a define callback or an existing pipeline.
   */
  pipeline(name: string, define: ((p: PipelineBuilder<S>) => void) | DefinitionSource): this;
  pipeline(name: string, options: StageOptions<S>, define: ((p: PipelineBuilder<S>) => void) | DefinitionSource): this;
  pipeline(name: string, a: unknown, b?: unknown): this {
    this.checkName(name);
    const [options, define] = (b === undefined ? [{}, a] : [a, b]) as [StageOptions<S>, ((p: PipelineBuilder<S>) => void) | DefinitionSource];
    checkOptionValues(this.def.name, `nested pipeline "${this.full(name)}" of pipeline "${this.def.name}"`, (options ?? {}) as StageOptions<never>);
    const { to, from, ...context } = options ?? {};
    const group: GroupDraft = { type: 'group', name: this.full(name), to, from, units: [] };
    this.push(group);
    const inner = new PipelineBuilder<S>(this.def, this.origin, group.name, group.units, [...this.layers, context as StageOptions<never>]);
    if (typeof define === 'function') define(inner);
    else if (define !== null && typeof define === 'object' && 'definition' in define) inner.embed(define.definition);
    else throw invalid(this.where(name), 'define', define, 'a function (p) => { … } or a pipeline');
    return this;
  }

  /** Applies `options` to every stage defined inside `define`; contexts nest, stage options win. */
  with(options: StageOptions<S>, define: (p: PipelineBuilder<S>) => void): this {
    if (options === null || typeof options !== 'object')
      throw invalid(`a context of pipeline "${this.def.name}"`, 'options', options, 'an object of stage options');
    const before = countStages(this.def.units);
    define(new PipelineBuilder<S>(this.def, this.origin, this.scope, this.units, [...this.layers, options as StageOptions<never>]));
    // Checked with each stage inside (the error then names it); a block without stages is checked here.
    if (countStages(this.def.units) === before)
      checkOptionValues(this.def.name, `a context (p.with) of pipeline "${this.def.name}"`, options as StageOptions<never>);
    return this;
  }

  /** Declares a named context; a stage joins it with `{ context: name }`. */
  context(name: string, options: StageOptions<S>): this {
    this.checkName(name);
    checkOptionValues(this.def.name, `context "${name}" of pipeline "${this.def.name}"`, options as StageOptions<never>);
    this.def.contexts.set(name, options as StageOptions<never>);
    return this;
  }

  /** Changes the pipeline's default stage options (e.g. in `extend`); applies to stages defined before too. */
  defaults(options: StageOptions<S>): this {
    checkOptionValues(this.def.name, `the defaults of pipeline "${this.def.name}"`, options as StageOptions<never>);
    this.def.defaults = { ...this.def.defaults, ...(options as StageOptions<never>) };
    return this;
  }

  /** Changes where an existing stage sends its items (typically in `extend`). */
  reroute(stage: string, options: { to: string | readonly string[] }): this {
    this.def.reroutes.push({ stage, scope: this.scope, to: options.to });
    return this;
  }

  /** Installs a hook bundle from `@minigun/hooks` (or your own). */
  use(bundle: HookBundle<RunContext<S>>): this {
    if (bundle === null || typeof bundle !== 'object' || typeof bundle.install !== 'function') {
      throw new MinigunError(ErrorCodes.INVALID_OPTION, `p.use() of pipeline "${this.def.name}" expects a hook bundle ({ name, install(p) }).`);
    }
    bundle.install(this);
    return this;
  }

  // ---- hooks --------------------------------------------------------------------------------------

  /** Runs once in the parent before any stage starts; throwing fails the run. */
  beforeRun(fn: BeforeRunHook<S>): this {
    return this.hook('beforeRun', undefined, fn);
  }
  /** Runs once in the parent at the end, whatever the status. */
  afterRun(fn: AfterRunHook<S>): this {
    return this.hook('afterRun', undefined, fn);
  }
  /** In the parent before each isolated worker starts (pipeline-wide, or for one stage). */
  beforeFork(fn: StageHook<S>): this;
  beforeFork(stage: string, fn: StageHook<S>): this;
  beforeFork(a: string | StageHook<S>, b?: StageHook<S>): this {
    return typeof a === 'string' ? this.hook('beforeFork', a, b) : this.hook('beforeFork', undefined, a);
  }
  /** Inside each isolated worker before its first input (pipeline-wide, or for one stage). */
  afterFork(fn: StageHook<S>): this;
  afterFork(stage: string, fn: StageHook<S>): this;
  afterFork(a: string | StageHook<S>, b?: StageHook<S>): this {
    return typeof a === 'string' ? this.hook('afterFork', a, b) : this.hook('afterFork', undefined, a);
  }
  /**
   * Once in each isolated process (or thread) that loads this pipeline's module for a stage, before any
   * afterFork there: load what every worker should share (a lookup table, a model). With cow-fork's fork
   * server it runs once in the server, and its children share what it loaded copy-on-write; with other
   * isolated strategies, once per worker. Never in the parent. A preload that throws fails the stage before
   * any input (the worker cannot start). Pipeline-wide, or for one stage.
   */
  preload(fn: PreloadHook): this;
  preload(stage: string, fn: PreloadHook): this;
  preload(a: string | PreloadHook, b?: PreloadHook): this {
    return typeof a === 'string' ? this.hook('preload', a, b) : this.hook('preload', undefined, a);
  }
  /** Once before the stage starts. */
  before(stage: string, fn: StageHook<S>): this {
    return this.hook('before', stage, fn);
  }
  /** Once after the stage has finished its last input. */
  after(stage: string, fn: StageHook<S>): this {
    return this.hook('after', stage, fn);
  }
  /** Receives every item failure and hook failure. */
  onError(fn: ErrorHook<S>): this {
    return this.hook('onError', undefined, fn);
  }

  // ---- internals ----------------------------------------------------------------------------------

  private hook(point: HookPoint, stage: string | undefined, fn: unknown): this {
    if (typeof fn !== 'function') throw invalid(`pipeline "${this.def.name}"`, `${point} hook`, fn, 'a function');
    if (stage !== undefined && (typeof stage !== 'string' || stage === ''))
      throw invalid(`pipeline "${this.def.name}"`, `${point} stage`, stage, 'a stage name');
    this.def.hooks.push({ point, stage, scope: this.scope, fn: fn as StageFn, depth: this.def.depth, origin: this.origin });
    return this;
  }

  private addStage(kind: StageKind, name: string, a: unknown, b: unknown): this {
    this.checkName(name);
    const [own, fn] = b === undefined ? [{}, a] : [a, b];
    if (typeof fn !== 'function')
      throw invalid(
        this.where(name),
        'function',
        fn,
        kind === 'producer' ? 'a function (out, ctx)' : kind === 'stage' ? 'a function (input, out, ctx)' : 'a function (input, out, ctx)',
      );
    if (own === null || typeof own !== 'object') throw invalid(this.where(name), 'options', own, 'an object of stage options');
    this.push({
      type: 'stage',
      name: this.full(name),
      kind,
      fn: fn as StageFn,
      layers: this.layers,
      own: own as StageOptions<never>,
      depth: this.def.depth,
      origin: this.origin,
    });
    return this;
  }

  private push(unit: UnitDraft): void {
    this.pushInto(this.units, unit);
  }

  private pushInto(units: UnitDraft[], unit: UnitDraft): void {
    if (findUnit(this.def.units, unit.name) !== undefined) {
      const inherited = this.def.depth > 0 ? " (an extended pipeline may add stages but not redefine its parent's; use p.reroute to change routing)" : '';
      throw new MinigunError(
        ErrorCodes.DUPLICATE_STAGE,
        `Pipeline "${this.def.name}" already has a stage named "${unit.name}"${inherited}. Stage names must be unique.`,
        { pipeline: this.def.name, stage: unit.name },
      );
    }
    units.push(unit);
  }

  private embed(other: Definition): void {
    // Copy the other pipeline's stages, hooks and routing under this scope, so that it runs as a part.
    const copy = (units: readonly UnitDraft[], into: UnitDraft[]): void => {
      for (const u of units) {
        if (u.type === 'stage') {
          const layers = [...this.layers, other.defaults, ...u.layers];
          this.pushInto(into, { ...u, name: this.full(u.name), layers, depth: this.def.depth, origin: this.origin });
        } else {
          const group: GroupDraft = { ...u, name: this.full(u.name), units: [] };
          this.pushInto(into, group);
          copy(u.units, group.units);
        }
      }
    };
    copy(other.units, this.units);
    const rescope = (scope: string): string => (scope === '' ? this.scope : this.full(scope));
    for (const h of other.hooks) this.def.hooks.push({ ...h, scope: rescope(h.scope), depth: this.def.depth, origin: this.origin });
    for (const r of other.reroutes) this.def.reroutes.push({ ...r, scope: rescope(r.scope) });
    for (const [k, v] of other.contexts) if (!this.def.contexts.has(k)) this.def.contexts.set(k, v);
  }

  private checkName(name: unknown): asserts name is string {
    if (typeof name !== 'string' || name === '' || name.includes('/')) {
      throw new MinigunError(
        ErrorCodes.INVALID_NAME,
        `Invalid stage name ${typeof name === 'string' ? `"${name}"` : `of type ${name === null ? 'null' : typeof name}`} in pipeline "${this.def.name}": names are non-empty strings without "/" ("/" addresses nested pipelines).`,
        { pipeline: this.def.name },
      );
    }
  }

  private freeName(base: string): string {
    if (findUnit(this.def.units, this.full(base)) === undefined) return base;
    for (let i = 2; ; i++) if (findUnit(this.def.units, this.full(`${base}-${i}`)) === undefined) return `${base}-${i}`;
  }

  private full(name: string): string {
    return this.scope === '' ? name : `${this.scope}/${name}`;
  }

  private where(name: string): string {
    return `stage "${this.full(name)}" of pipeline "${this.def.name}"`;
  }
}

function countStages(units: readonly UnitDraft[]): number {
  return units.reduce((n, u) => n + (u.type === 'stage' ? 1 : countStages(u.units)), 0);
}

export function findUnit(units: readonly UnitDraft[], name: string): UnitDraft | undefined {
  for (const u of units) {
    if (u.name === name) return u;
    if (u.type === 'group' && name.startsWith(`${u.name}/`)) {
      const found = findUnit(u.units, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
