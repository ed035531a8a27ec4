/** `pipeline()` and the `Pipeline` it returns: definition, eager validation, `run`, `extend`. */
import { PipelineBuilder } from './definition/builder.js';
import { compile, type CompiledPipeline } from './definition/compile.js';
import { copyDefinition, type Definition } from './definition/definition.js';
import { ErrorCodes, MinigunError } from './errors.js';
import { Run } from './runtime/run.js';
import { inMinigunWorker } from './toolkit/in-worker.js';
import { PIPELINE_BRAND, canImportInWorker } from './toolkit/locate.js';
import { CHANNEL_TRANSPORT, defaultRegistry, type Registry } from './strategy/registry.js';
import type { PipelineOptions, RunOptions, RunResult, StageKind, StageOptions } from './types.js';
import { checkOptionValues } from './definition/options.js';

export type DefineFn<S> = (p: PipelineBuilder<S>) => void;

/** The longest delay Node's timers honour. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A short description of one stage, for tools (CLI, HUD) and tests. */
export interface StageDescription {
  readonly name: string;
  readonly kind: StageKind;
  readonly strategy: string;
  readonly concurrency: number;
  /** Static targets after routing. */
  readonly to: readonly string[];
}

export class Pipeline<S = unknown> {
  /** Lets isolated workers recognise pipelines among a module's exports (also across copies of core). */
  readonly [PIPELINE_BRAND] = true;
  /** @internal */
  readonly definition: Definition;
  /** @internal */
  readonly compiled: CompiledPipeline;

  /** @internal use `pipeline()` */
  constructor(definition: Definition) {
    this.definition = definition;
    this.compiled = compile(definition);
  }

  get name(): string {
    return this.definition.name;
  }

  get module(): string | undefined {
    return this.definition.module;
  }

  /** Stages in topological order, with their resolved strategy and static targets. */
  get stages(): StageDescription[] {
    return this.compiled.graph.order.map((name) => {
      const s = this.compiled.stages.get(name)!;
      return { name, kind: s.kind, strategy: s.options.strategy, concurrency: s.options.concurrency, to: [...this.compiled.graph.edges.get(name)!] };
    });
  }

  /**
   * Runs the pipeline. Rejects (starting no stage) when it cannot start: an unknown strategy or transport,
   * or an isolated stage without `module`. Otherwise resolves with a RunResult whatever happens.
   */
  async run(options: RunOptions<S> = {}): Promise<RunResult> {
    if (inMinigunWorker()) {
      throw new MinigunError(
        ErrorCodes.RUN_IN_WORKER,
        `run() of pipeline "${this.name}" was called inside an isolated worker, which imported the pipeline module to find a stage. Guard the code that starts the run: if (isMain(import.meta)) await ${this.name}.run(…).`,
        { pipeline: this.name },
      );
    }
    if (options === null || typeof options !== 'object')
      throw new MinigunError(ErrorCodes.INVALID_OPTION, `run() of pipeline "${this.name}" expects an options object.`);
    // Node fires a timer longer than 2^31 - 1 ms at once (with a warning): refuse such values rather than honour them wrongly.
    const g = options.graceMs;
    if (g !== undefined && !(typeof g === 'number' && ((g >= 0 && g <= MAX_TIMER_MS) || g === Infinity))) {
      throw new MinigunError(
        ErrorCodes.INVALID_OPTION,
        `run() of pipeline "${this.name}": graceMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, or Infinity to wait however long in-flight inputs take; got ${String(g)}.`,
      );
    }
    const i = options.progressIntervalMs;
    if (i !== undefined && !(typeof i === 'number' && i > 0 && i <= MAX_TIMER_MS)) {
      throw new MinigunError(
        ErrorCodes.INVALID_OPTION,
        `run() of pipeline "${this.name}": progressIntervalMs must be a number of milliseconds above 0 and at most ${MAX_TIMER_MS}; got ${String(i)}.`,
      );
    }
    const registry = options.registry ?? defaultRegistry;
    this.validateFor(registry);
    return new Run<S>(this.compiled, registry, options).execute();
  }

  /** Checks every stage's strategy and transport against `registry` (what `run` does before starting). */
  validateFor(registry: Registry): void {
    for (const s of this.compiled.stages.values()) {
      const strategy = registry.strategy(s.options.strategy);
      if (strategy === undefined) throw registry.unknownStrategy(s.options.strategy, this.name, s.name);
      if (strategy.isolated && this.module === undefined) {
        throw new MinigunError(
          ErrorCodes.MODULE_REQUIRED,
          `Stage "${s.name}" of pipeline "${this.name}" runs in the isolated strategy "${strategy.name}", whose workers must import the pipeline's module, but the pipeline has no module option. Define it as pipeline("${this.name}", { module: import.meta.url }, …) (or __filename in CommonJS).`,
          { pipeline: this.name, stage: s.name },
        );
      }
      if (strategy.isolated && !canImportInWorker(this.module!)) {
        throw new MinigunError(
          ErrorCodes.TS_LOADER,
          `Stage "${s.name}" of pipeline "${this.name}" runs in the isolated strategy "${strategy.name}", whose workers must import ${this.module}, a TypeScript module, but no TypeScript loader can be found for them. Install tsx (npm install --save-dev tsx), or compile the module to JavaScript and point options.module at the .js file.`,
          { pipeline: this.name, stage: s.name },
        );
      }
      const transport = s.options.transport;
      if (transport !== undefined && !registry.hasTransport(transport)) throw registry.unknownTransport(transport, this.name, s.name);
      // A transport carries emits out of isolated workers; inherited from a context it does not apply here.
      if (!strategy.isolated && s.own.transport !== undefined && s.own.transport !== CHANNEL_TRANSPORT) {
        throw new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `Stage "${s.name}" of pipeline "${this.name}" has transport "${s.own.transport}", but its strategy "${strategy.name}" runs it in this process, where nothing is carried out of a worker. Remove the transport, or run the stage in an isolated strategy (thread, cow-fork, ipc-fork, …).`,
          { pipeline: this.name, stage: s.name },
        );
      }
      strategy.validate?.({ pipeline: this.name, stage: s.name, kind: s.kind, module: this.module, options: s.options });
    }
  }

  /**
   * A new pipeline with this one's stages, hooks, contexts and defaults plus what `define` adds. This
   * pipeline is unchanged; redefining one of its stages is an error (use `p.reroute`).
   */
  extend<S2 extends S = S>(name: string, define: DefineFn<S2>): Pipeline<S2>;
  extend<S2 extends S = S>(name: string, options: PipelineOptions<S2>, define: DefineFn<S2>): Pipeline<S2>;
  extend<S2 extends S = S>(name: string, a: PipelineOptions<S2> | DefineFn<S2>, b?: DefineFn<S2>): Pipeline<S2> {
    const [options, define] = typeof a === 'function' ? [{} as PipelineOptions<S2>, a] : [a ?? {}, b];
    checkPipelineName(name);
    const def = copyDefinition(this.definition, name, options.module);
    if (options.defaults !== undefined) {
      checkOptionValues(name, `the defaults of pipeline "${name}"`, options.defaults as StageOptions<never>);
      def.defaults = { ...def.defaults, ...(options.defaults as object) };
    }
    if (typeof define !== 'function')
      throw new MinigunError(ErrorCodes.INVALID_OPTION, `extend("${name}") of pipeline "${this.name}" needs a define function (p) => { … }.`);
    define(new PipelineBuilder<S2>(def, name));
    return new Pipeline<S2>(def);
  }
}

function checkPipelineName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.includes('/')) {
    throw new MinigunError(
      ErrorCodes.INVALID_NAME,
      `Invalid pipeline name ${typeof name === 'string' ? `"${name}"` : `of type ${typeof name}`}: use a non-empty string without "/".`,
    );
  }
}

/**
 * Defines a pipeline. The graph is built and validated now (duplicate names, unknown `to`/`from`,
 * cycles with their path), so definition errors throw here with a `code`.
 */
export function pipeline<S = unknown>(name: string, define: DefineFn<S>): Pipeline<S>;
export function pipeline<S = unknown>(name: string, options: PipelineOptions<S>, define: DefineFn<S>): Pipeline<S>;
export function pipeline<S = unknown>(name: string, a: PipelineOptions<S> | DefineFn<S>, b?: DefineFn<S>): Pipeline<S> {
  checkPipelineName(name);
  const [options, define] = typeof a === 'function' ? [{} as PipelineOptions<S>, a] : [a ?? {}, b];
  if (typeof define !== 'function')
    throw new MinigunError(ErrorCodes.INVALID_OPTION, `pipeline("${name}") needs a define function (p) => { … } as its last argument.`);
  if (options.module !== undefined && typeof options.module !== 'string') {
    throw new MinigunError(ErrorCodes.INVALID_OPTION, `pipeline("${name}"): module must be a string (import.meta.url or __filename).`);
  }
  if (options.defaults !== undefined) checkOptionValues(name, `the defaults of pipeline "${name}"`, options.defaults as StageOptions<never>);
  const def: Definition = {
    name,
    module: options.module,
    units: [],
    hooks: [],
    contexts: new Map(),
    defaults: { ...((options.defaults ?? {}) as object) },
    reroutes: [],
    depth: 0,
  };
  define(new PipelineBuilder<S>(def, name));
  return new Pipeline<S>(def);
}
