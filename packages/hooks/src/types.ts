/**
 * Types shared by the hook engine and the bundles. `@minigun/hooks` depends on nothing: the pipeline
 * builder of `@minigun/core` satisfies `HookTarget` structurally, and its run context satisfies
 * `HookContext`.
 */

/** Where in a pipeline's life a hook runs. */
/**
 * `preload` runs in an isolated process when it loads a stage's module, once, before any worker of it forks
 * (with a fork server: once in the server, and its children share what it loaded); no run context.
 */
export type HookPoint = 'preload' | 'beforeRun' | 'afterRun' | 'before' | 'after' | 'beforeFork' | 'afterFork' | 'onError';

/**
 * How a hook was attached. Within one hook point hooks run pipeline-level first, then stage-level, then
 * inline (`{ hooks: { … } }` in a stage's options); each group in definition order, a parent pipeline's
 * hooks before a child's (extend).
 */
export type HookLevel = 'pipeline' | 'stage' | 'inline';

/** Any hook function. Stored loosely; the engine calls it with the arguments of its point. */
export type HookFn = (...args: never[]) => unknown;

/** One registered hook. */
export interface HookDefinition {
  readonly point: HookPoint;
  /** The stage the hook is bound to; absent for pipeline-level hooks, which apply to every stage. */
  readonly stage?: string;
  readonly level: HookLevel;
  /** Name of the pipeline that defined the hook (reported in records and errors). */
  readonly origin: string;
  /** Inheritance depth of the defining pipeline: 0 for the root ancestor, 1 for a child, ... */
  readonly depth: number;
  /** Registration order, assigned by `HookSet.add`. */
  readonly seq: number;
  readonly fn: HookFn;
}

/** Which isolate ran a hook. */
export interface HookWhere {
  readonly pid: number;
  readonly threadId: number;
  /** Set inside an isolated worker (thread or child process). */
  readonly workerId?: number;
}

/** What the engine writes down for each hook call, success or failure. */
export interface HookRecord {
  readonly point: HookPoint;
  readonly stage?: string;
  readonly level: HookLevel;
  readonly origin: string;
  readonly where: HookWhere;
  /** `performance.timeOrigin + performance.now()` when the hook started, in ms. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly error?: Error;
}

/**
 * What to do when a hook throws.
 * - `'throw'`: stop at the first failing hook and reject with a `HookError` (used for `beforeRun`: a
 *   throwing beforeRun fails the run before any stage starts).
 * - `'collect'`: run every hook of the point, and return the failures (used everywhere else: they are
 *   reported in the run result and to `onError`).
 */
export type HookErrorPolicy = 'throw' | 'collect';

/** The minimum a run context offers to hooks and bundles; core's context satisfies it. */
export interface HookContext {
  readonly pid: number;
  /** Set inside an isolated worker. */
  readonly workerId?: number;
  /** Set when the hook belongs to a stage. */
  readonly stage?: string;
  collect(key: string, value: unknown): void;
}

/** Second argument of stage-scoped hooks (`before`, `after`, `beforeFork`, `afterFork`, `onError`). */
export interface HookInfo {
  readonly stage?: string;
  readonly input?: unknown;
  /** For `onError` about a hook that failed: the hook point that threw (its error is passed as thrown). */
  readonly hook?: HookPoint;
  readonly workerId?: number;
  readonly pid?: number;
}

/** The argument of a `preload` hook: which stage's module was loaded, and where. */
export interface PreloadInfo {
  readonly pipeline: string;
  readonly stage: string;
  readonly pid: number;
}

/**
 * What a hook bundle installs into: the pipeline builder of `@minigun/core` (`p.use(bundle)`) satisfies it.
 * Only pipeline-level forms are listed; a bundle that targets one stage uses the `(stage, fn)` forms.
 */
export interface HookTarget<C extends HookContext = HookContext> {
  beforeRun(fn: (ctx: C) => unknown): unknown;
  afterRun(fn: (ctx: C, result: unknown) => unknown): unknown;
  beforeFork(fn: (ctx: C, info: HookInfo) => unknown): unknown;
  beforeFork(stage: string, fn: (ctx: C, info: HookInfo) => unknown): unknown;
  afterFork(fn: (ctx: C, info: HookInfo) => unknown): unknown;
  afterFork(stage: string, fn: (ctx: C, info: HookInfo) => unknown): unknown;
  /** Optional: targets that have no isolated workers need not offer it. */
  preload?: {
    (fn: (info: PreloadInfo) => unknown): unknown;
    (stage: string, fn: (info: PreloadInfo) => unknown): unknown;
  };
  before(stage: string, fn: (ctx: C, info: HookInfo) => unknown): unknown;
  after(stage: string, fn: (ctx: C, info: HookInfo) => unknown): unknown;
  onError(fn: (error: Error, info: HookInfo, ctx: C) => unknown): unknown;
}

/** A reusable set of hooks: `p.use(bundle)` calls `install(p)` while the pipeline is being defined. */
export interface HookBundle<C extends HookContext = HookContext> {
  readonly name: string;
  install(target: HookTarget<C>): void;
}
