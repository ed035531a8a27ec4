/**
 * One run of a compiled pipeline: wires stage nodes, moves items through bounded queues, runs processors
 * and consumers, runs hooks, detects the end, handles failures and cancellation, and builds the RunResult.
 * The other kinds of stage are handled in their own files, which see the run only through `RunPort`
 * (run-port.ts): accumulators (accumulator.ts), custom stages (custom-stage.ts), producers (producer.ts), and
 * the executors and attempts of isolated strategies (isolated.ts). The `out` handed to stage functions and
 * ordered output are in output.ts; `out.to()` names resolve in routing.ts.
 *
 * How the end is found: `pending` counts the work that can still produce items (queued and running
 * inputs, running producers, flushes, hooks). Whenever it drops to zero the run is quiescent, and the
 * earliest stages (in topological order) whose sources have all finished are closed, one wave at a time.
 * Dynamic routing (`out.to`) may target any stage, so closing by static edges alone is not enough; closing
 * only at quiescence is what makes "ends exactly when all work is done" hold for every routing.
 *
 * The hot path: `deliver` runs an inline stage's function synchronously when it has a free slot and an
 * empty queue, and a plain (non-promise) return value is delivered on at once. A chain of synchronous
 * stages therefore costs a few function calls per item; promises appear only for async stage functions
 * and for backpressure (a full queue).
 */
import { HookError, runHooks, type HookDefinition, type HookPoint } from '@minigun/hooks';
import type { CompiledPipeline } from '../definition/compile.js';
import { ErrorCodes, MinigunError, toError } from '../errors.js';
import type { Registry } from '../strategy/registry.js';
import type { Output, RunContext, RunError, RunOptions, RunResult, RunStatus } from '../types.js';
import { accumulate, cancelBuffered, clearFlushTimers, flushAll } from './accumulator.js';
import { boundInput, consoleLogger, createContext } from './context.js';
import { closeCustomInput, endWaitingReads, enqueueCustom, startCustom } from './custom-stage.js';
import { moduleForWorkers } from './compile-typescript.js';
import { attemptIsolated, closeExecutors, createExecutors, type IsolatedRun } from './isolated.js';
import { runProducer } from './producer.js';
import { createOutput, holdOrdered, type OrderedRun } from './output.js';
import { ProgressReporter } from './progress.js';
import { resolveRoute } from './routing.js';
import { isThenable, type AnyFn, type Maybe } from './run-port.js';
import { StageNode, type HeldEmit } from './stage-node.js';
import { snapshotRun } from './stats.js';
import type { HostDeps } from './strategy-host.js';

function cancelledError(pipeline: string, stage: string): MinigunError {
  return new MinigunError(ErrorCodes.CANCELLED, `Run of pipeline "${pipeline}" was stopped; stage "${stage}" can no longer emit.`, { pipeline, stage });
}

export class Run<S> implements IsolatedRun, OrderedRun {
  readonly pipeline: string;
  readonly signal: AbortSignal;
  private readonly nodes = new Map<string, StageNode>();
  private readonly order: StageNode[] = [];
  private readonly errors: RunError[] = [];
  private readonly collected = new Map<string, unknown[]>();
  private readonly controller = new AbortController();
  private readonly ctx: RunContext<S>;
  private readonly state: S;
  private readonly graceMs: number;
  private readonly maxInputChars: number;
  private pending = 0;
  // Public because RunPort reads them (read-only there); only the run sets them.
  stopping = false;
  ended = false;
  private status: RunStatus = 'completed';
  private stopError?: Error;
  private startedAt = 0;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));
  private quiescenceScheduled = false;
  private afterHooksDone = false;
  private graceTimer?: NodeJS.Timeout;
  private readonly sideWork = new Set<Promise<unknown>>();

  constructor(
    private readonly compiled: CompiledPipeline,
    private readonly registry: Registry,
    private readonly options: RunOptions<S>,
  ) {
    this.pipeline = compiled.name;
    this.signal = this.controller.signal;
    this.state = (options.state ?? {}) as S;
    this.graceMs = options.graceMs ?? 5000;
    this.maxInputChars = options.maxErrorInputChars ?? 2000;
    const parts = {
      pipeline: compiled.name,
      state: this.state,
      signal: this.controller.signal,
      logger: options.logger ?? consoleLogger,
      collect: (key: string, value: unknown) => this.collect(key, value),
    };
    this.ctx = createContext(parts);
    for (const name of compiled.graph.order) {
      const node = new StageNode(compiled.stages.get(name)!, compiled.name);
      node.ctx = createContext(parts, name);
      this.nodes.set(name, node);
      this.order.push(node);
    }
    for (const node of this.order) {
      for (const t of compiled.graph.edges.get(node.name)!) node.targets.push(this.nodes.get(t)!);
      for (const s of compiled.graph.sources.get(node.name)!) node.sources.push(this.nodes.get(s)!);
      if (node.kind !== 'accumulator' && node.kind !== 'producer' && node.concurrency === 1) node.sharedOut = createOutput(this, node, undefined);
      if (node.kind === 'producer') node.sharedOut = createOutput(this, node, undefined);
    }
  }

  // ---- the run's life -----------------------------------------------------------------------------

  async execute(): Promise<RunResult> {
    this.startedAt = performance.now();
    const signal = this.options.signal;
    const onAbort = () => this.stop('cancelled');
    const onSignal = () => (this.stopping ? this.abandon() : this.stop('cancelled'));
    if (this.options.handleSignals === true) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    try {
      const progress = this.startProgress();
      try {
        if (signal?.aborted) {
          this.status = 'cancelled';
        } else {
          signal?.addEventListener('abort', onAbort, { once: true });
          await this.startAndWait();
        }
      } catch (e) {
        // An internal fault: report it as the run's failure rather than losing afterRun.
        this.status = 'failed';
        this.stopError = toError(e);
        this.errors.push({ kind: 'run', message: this.stopError.message, error: this.stopError, attempts: 1 });
      } finally {
        signal?.removeEventListener('abort', onAbort);
        progress?.stop();
      }
      this.ended = true;
      await closeExecutors(this.order, this.stopping ? 'force' : 'graceful', (error) => this.errors.push(error));
      await Promise.all(this.sideWork);
      const result = this.result();
      await this.hooks('afterRun', undefined, [this.ctx, result], 'collect');
      await Promise.all(this.sideWork);
      // afterRun errors are part of the result the caller gets.
      return { ...this.result(), durationMs: result.durationMs };
    } finally {
      // Only now, however the run ends: a signal while afterRun runs must not kill the process with the
      // default handler, and no listener may outlive the run.
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  private async startAndWait(): Promise<void> {
    try {
      await this.hooks('beforeRun', undefined, [this.ctx], 'throw');
    } catch (e) {
      this.status = 'failed';
      this.stopError = e instanceof HookError ? e.cause : toError(e);
      return;
    }
    const failure = await createExecutors(this.order, this.registry, this.hostDeps(await this.moduleForWorkers()));
    if (failure !== undefined) {
      this.status = 'failed';
      this.stopError = failure.error;
      this.errors.push(failure);
      return;
    }
    for (const node of this.order) await this.hooks('before', node, [node.ctx, { stage: node.name }], 'collect');
    if (this.stopping) {
      // Cancelled while the stages were being set up (an executor that connects somewhere takes a while):
      // each producer that never started is one unfinished input, counted as cancelled like a stopped one.
      for (const node of this.order) {
        if (node.kind !== 'producer') continue;
        node.counters.in++;
        node.counters.cancelled++;
      }
      return this.finished;
    }
    for (const node of this.order) {
      if (node.kind === 'producer') runProducer(this, node);
      else if (node.kind === 'stage') startCustom(this, node);
    }
    this.checkQuiescence();
    await this.finished;
  }

  /** Cancels (signal) or aborts (`onError: 'abort'`): producers stop, queued inputs are cancelled, in-flight ones get `graceMs`. */
  private stop(status: 'cancelled' | 'failed', error?: Error): void {
    if (this.stopping || this.ended) return;
    this.stopping = true;
    this.status = status;
    this.stopError = error;
    this.controller.abort(error ?? new MinigunError(ErrorCodes.CANCELLED, `Run of pipeline "${this.compiled.name}" was cancelled.`));
    for (const node of this.order) {
      const queued = node.queue.drain();
      node.counters.cancelled += queued.length;
      if (node.kind !== 'accumulator') this.pending -= queued.length;
      cancelBuffered(node);
      node.releaseRoom();
      // A custom stage's input ends now. Its readers may still be running (or, in a worker, starting): like
      // in-flight inputs they get the grace period to return, and what they collect meanwhile is kept.
      if (node.kind === 'stage' && node.phase === 'open') {
        node.phase = 'closing';
        this.pending += node.runnersAlive;
      }
      endWaitingReads(node);
    }
    if (this.graceMs !== Infinity) this.graceTimer = setTimeout(() => this.abandon(), this.graceMs);
    this.checkQuiescence();
  }

  /** Grace period over: whatever still runs is counted as cancelled and left behind. */
  private abandon(): void {
    if (this.ended) return;
    for (const node of this.order) {
      node.counters.cancelled += node.active;
      node.active = 0;
    }
    this.pending = 0;
    this.complete();
  }

  private complete(): void {
    this.ended = true;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    for (const node of this.order) {
      node.counters.endedAt ||= performance.now();
      clearFlushTimers(node);
    }
    this.finish();
  }

  // ---- quiescence and closing ---------------------------------------------------------------------

  addPending(delta: number): void {
    this.pending += delta;
  }

  done(): void {
    if (--this.pending === 0) this.checkQuiescence();
  }

  checkQuiescence(): void {
    if (this.pending !== 0 || this.quiescenceScheduled || this.ended) return;
    this.quiescenceScheduled = true;
    // A microtask later, so that a synchronous caller finishes its own bookkeeping first.
    queueMicrotask(() => {
      this.quiescenceScheduled = false;
      this.onQuiescent();
    });
  }

  private onQuiescent(): void {
    if (this.pending !== 0 || this.ended) return;
    if (this.stopping) {
      this.finishAfterStop();
      return;
    }
    // Repeat: finishing a stage can make an earlier one (reached only by out.to()) closable.
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const node of this.order) {
        if (node.phase === 'open') {
          if (!node.closable(this.order)) continue;
          node.phase = 'closing';
          progressed = true;
          this.beginClose(node);
          if (this.pending > 0) return;
        }
        if (node.phase === 'closing') {
          if (node.buffers.size > 0) flushAll(this, node);
          if (this.pending > 0) return;
          node.phase = 'finished';
          node.counters.endedAt = performance.now();
          progressed = true;
        } else if (node.phase === 'finished' && node.buffers.size > 0) {
          // Items routed with out.to() to a finished accumulator: flush them too.
          flushAll(this, node);
          if (this.pending > 0) return;
        }
      }
    }
    if (!this.order.every((n) => n.phase === 'finished')) return;
    if (this.afterHooksDone) this.complete();
    else this.finishAll();
  }

  /**
   * Everything has drained: run the stages' `after` hooks, in topological order, then end. They run here
   * rather than when each stage finished because out.to() may still reach a finished stage until now.
   */
  private finishAll(): void {
    this.pending++;
    void (async () => {
      for (const node of this.order) await this.hooks('after', node, [node.ctx, { stage: node.name }], 'collect');
    })().then(() => {
      this.afterHooksDone = true;
      this.done();
    });
  }

  private beginClose(node: StageNode): void {
    if (node.kind === 'accumulator') flushAll(this, node);
    else if (node.kind === 'stage') closeCustomInput(this, node);
  }

  private finishAfterStop(): void {
    const left = this.order.filter((n) => n.phase !== 'finished');
    for (const n of left) n.phase = 'finished';
    const work = Promise.all(left.map((n) => this.hooks('after', n, [n.ctx, { stage: n.name }], 'collect')));
    void work.then(() => this.complete());
  }

  // ---- delivering items ---------------------------------------------------------------------------

  /** Hands `item` to `node`. Returns a promise only when the caller must wait (the queue is over capacity). */
  private deliver(node: StageNode, item: unknown): Maybe {
    const c = node.counters;
    c.in++;
    if (c.startedAt === 0) c.started();
    switch (node.kind) {
      case 'accumulator':
        return accumulate(this, node, item);
      case 'stage':
        return enqueueCustom(this, node, item);
      case 'producer':
        throw new MinigunError(ErrorCodes.INVALID_ROUTE, `Stage "${node.name}" is a producer and cannot receive items.`);
      case 'processor':
      case 'consumer':
        break; // below: the hot path
    }
    this.pending++;
    if (node.active < node.limit() && node.queue.length === 0 && !node.pumping) {
      this.start(node, item);
      return;
    }
    return node.enqueue(item);
  }

  /** Sends an emitted item to the stage's own targets. */
  emitFrom(node: StageNode, item: unknown): Maybe {
    if (this.stopping) return Promise.reject(cancelledError(this.compiled.name, node.name));
    const targets = node.targets;
    node.counters.out++;
    if (node.dispatcher !== undefined && targets.length > 0) {
      let target: StageNode | undefined;
      try {
        target = node.dispatcher.pick(targets, item);
      } catch (e) {
        // A partitionKey (or hash) that throws: the item cannot be placed. It is recorded with the item, never
        // lost silently, and the emitter goes on (the fault is in the routing, not in its input).
        node.counters.out--;
        this.dispatchFailed(node, item, toError(e));
        return;
      }
      if (target === undefined) {
        node.counters.out--;
        node.counters.filtered++; // a partition key of null: dropped
        return;
      }
      return this.deliver(target, item);
    }
    if (targets.length === 1) return this.deliver(targets[0]!, item);
    if (targets.length === 0) return;
    let waits: Promise<void>[] | undefined;
    for (const t of targets) {
      const r = this.deliver(t, item);
      if (r !== undefined) (waits ??= []).push(r);
    }
    return waits === undefined ? undefined : waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  emitTo(node: StageNode, targets: readonly StageNode[], item: unknown): Maybe {
    if (this.stopping) return Promise.reject(cancelledError(this.compiled.name, node.name));
    node.counters.out++;
    if (targets.length === 1) return this.deliver(targets[0]!, item);
    const waits = targets.map((t) => this.deliver(t, item)).filter((w): w is Promise<void> => w !== undefined);
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  /** Resolves an `out.to(name)` target: a stage, or a nested pipeline (its entry stages). */
  route(node: StageNode, name: string): readonly StageNode[] {
    return resolveRoute(node, name, this.nodes, this.compiled.graph.groups, this.compiled.name);
  }

  /** The error a producer loop stops with once the run is stopping. */
  stoppedError(node: StageNode): Error | undefined {
    return this.stopping ? cancelledError(this.compiled.name, node.name) : undefined;
  }

  // ---- processors and consumers -------------------------------------------------------------------

  private start(node: StageNode, item: unknown): void {
    node.active++;
    const seq = node.ordered ? node.nextSeq++ : -1;
    this.attempt(node, item, 1, seq);
  }

  private attempt(node: StageNode, item: unknown, attempt: number, seq: number): void {
    if (node.executor !== undefined) return attemptIsolated(this, node, item, attempt, seq);
    const hold: HeldEmit[] | undefined = seq >= 0 ? [] : undefined;
    const out = hold === undefined && node.sharedOut !== undefined ? (node.sharedOut as Output & { emitted: number }) : createOutput(this, node, hold);
    const emittedBefore = out.emitted;
    const t0 = node.counters.sample() ? performance.now() : 0;
    let result: unknown;
    try {
      result = (node.spec.fn as AnyFn)(item, out, node.ctx);
    } catch (e) {
      this.failed(node, item, attempt, seq, e, t0);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.succeeded(node, item, value, t0, out.emitted === emittedBefore, hold, seq),
        (e: unknown) => this.failed(node, item, attempt, seq, e, t0),
      );
      return;
    }
    this.succeeded(node, item, result, t0, out.emitted === emittedBefore, hold, seq);
  }

  succeeded(node: StageNode, _item: unknown, value: unknown, t0: number, noEmits: boolean, hold: HeldEmit[] | undefined, seq: number): void {
    if (this.ended) return;
    const c = node.counters;
    if (t0 !== 0) c.latency.add(performance.now() - t0);
    c.done++;
    const emits = value !== undefined && node.emitsReturn;
    if (!emits && noEmits && node.targets.length > 0) c.filtered++;
    if (seq >= 0) {
      if (emits) hold!.push({ item: value });
      holdOrdered(this, node, seq, hold!);
      return;
    }
    if (emits && !this.stopping) {
      const wait = this.emitFrom(node, value);
      if (wait !== undefined) {
        wait.then(
          () => this.release(node),
          () => this.release(node),
        );
        return;
      }
    }
    this.release(node);
  }

  failed(node: StageNode, item: unknown, attempt: number, seq: number, thrown: unknown, t0: number): void {
    if (this.ended) return;
    const c = node.counters;
    if (t0 !== 0) c.latency.add(performance.now() - t0);
    if (this.stopping) {
      c.cancelled++;
    } else if (attempt <= node.retries) {
      c.retried++;
      this.attempt(node, item, attempt + 1, seq);
      return;
    } else {
      c.failed++;
      this.recordItemError(node, item, toError(thrown), attempt);
    }
    if (seq >= 0) holdOrdered(this, node, seq, null);
    else this.release(node);
  }

  /** An input is over: free its slot and start queued ones. */
  release(node: StageNode): void {
    if (this.ended) return;
    node.active--;
    if (node.queue.length > 0) this.pump(node);
    if (--this.pending === 0) this.checkQuiescence();
  }

  private pump(node: StageNode): void {
    if (node.pumping) return;
    node.pumping = true;
    while (node.active < node.limit() && node.queue.length > 0 && !this.ended) {
      const item = node.queue.shift();
      node.releaseRoom();
      this.start(node, item);
    }
    node.pumping = false;
  }

  // ---- failures, hooks, collect ------------------------------------------------------------------

  recordItemError(node: StageNode, input: unknown, error: Error, attempts: number): void {
    const bounded = input === undefined ? undefined : boundInput(input, this.maxInputChars);
    this.errors.push({ kind: 'item', stage: node.name, message: error.message, error, input: bounded, attempts });
    this.notifyError(error, { stage: node.name, input });
    if (node.spec.options.onError === 'abort') this.stop('failed', error);
  }

  private notifyError(error: Error, info: { stage?: string; input?: unknown; hook?: HookPoint }): void {
    const hooks = this.compiled.hooks.list('onError');
    if (hooks.length === 0) return;
    // While the run is live the hooks count as pending work; afterwards execute() awaits `sideWork`.
    const live = !this.ended;
    if (live) this.pending++;
    const ctx = info.stage === undefined ? this.ctx : (this.nodes.get(info.stage)?.ctx ?? this.ctx);
    const work = runHooks(hooks, [error, info, ctx], { policy: 'collect' }).then((r) => {
      // A failing onError hook is recorded (as thrown) but not reported to onError again (no loops).
      for (const e of r.errors) this.errors.push({ kind: 'hook', hook: 'onError', stage: info.stage, message: e.cause.message, error: e.cause, attempts: 1 });
      this.sideWork.delete(work);
      if (live && !this.ended) this.done();
    });
    this.sideWork.add(work);
  }

  /** Runs the hooks of one point for the pipeline (`node` undefined) or a stage; reports failures. */
  private async hooks(point: HookPoint, node: StageNode | undefined, args: unknown[], policy: 'throw' | 'collect'): Promise<void> {
    const list: HookDefinition[] = this.compiled.hooks.list(point, node?.name);
    if (list.length === 0) return;
    try {
      const r = await runHooks(list, args, { policy });
      for (const e of r.errors) this.hookFailed(point, node, e);
    } catch (e) {
      if (e instanceof HookError) this.hookFailed(point, node, e);
      throw e;
    }
  }

  /** An emitted item that the stage's dispatch could not place: recorded (kind run, with the item) and dropped. */
  private dispatchFailed(node: StageNode, item: unknown, error: Error): void {
    this.errors.push({ kind: 'run', stage: node.name, message: error.message, error, input: boundInput(item, this.maxInputChars), attempts: 1 });
    this.notifyError(error, { stage: node.name, input: item });
  }

  /** A hook failed: recorded and passed to onError as it was thrown (its point and stage are fields, not text). */
  private hookFailed(point: HookPoint, node: StageNode | undefined, error: HookError): void {
    const thrown = error.cause;
    this.errors.push({ kind: 'hook', hook: point, stage: node?.name, message: thrown.message, error: thrown, attempts: 1 });
    this.notifyError(thrown, { stage: node?.name, hook: point });
  }

  collect(key: string, value: unknown): void {
    if (typeof key !== 'string') throw new MinigunError(ErrorCodes.INVALID_OPTION, `ctx.collect() needs a string key, got ${typeof key}.`);
    const list = this.collected.get(key);
    if (list === undefined) this.collected.set(key, [value]);
    else list.push(value);
  }

  fault(e: unknown): void {
    const error = toError(e);
    this.errors.push({ kind: 'run', message: `internal fault: ${error.message}`, error, attempts: 1 });
    this.stop('failed', error);
  }

  /** The module isolated workers import: compiled once here when it is TypeScript (see compile-typescript.ts). */
  private async moduleForWorkers(): Promise<string | undefined> {
    const module = this.compiled.module;
    if (module === undefined) return undefined;
    const isolated = this.order.some((n) => this.registry.strategy(n.spec.options.strategy)?.isolated === true);
    return isolated ? moduleForWorkers(module, this.ctx.log) : module;
  }

  /** What a strategy's executor may reach of the run (see strategy-host.ts). */
  private hostDeps(module: string | undefined): HostDeps {
    return {
      pipeline: this.compiled.name,
      module,
      sourceModule: this.compiled.module,
      state: this.state,
      signal: this.controller.signal,
      route: (n, name) => this.route(n, name),
      beforeFork: (n, workerId) => this.hooks('beforeFork', n, [n.ctx, { stage: n.name, workerId }], 'collect'),
      collect: (key, value) => this.collect(key, value),
      hookFailed: (point, n, error) => this.hookFailed(point, n, error),
      stageFault: (n, error) => {
        this.errors.push({ kind: 'run', stage: n.name, message: error.message, error, attempts: 1 });
        this.notifyError(error, { stage: n.name });
      },
      stopped: (n) => this.stoppedError(n),
    };
  }

  private startProgress(): ProgressReporter | undefined {
    const progress = this.options.progress;
    if (progress === undefined) return undefined;
    const reporter = new ProgressReporter(this.compiled.name, this.order, this.startedAt, progress, (e) => {
      this.errors.push({ kind: 'hook', hook: 'progress', message: toError(e).message, error: toError(e), attempts: 1 });
    });
    reporter.start(this.options.progressIntervalMs ?? 1000);
    return reporter;
  }

  private result(): RunResult {
    const durationMs = performance.now() - this.startedAt;
    return {
      pipeline: this.compiled.name,
      status: this.status,
      durationMs,
      stats: snapshotRun(this.order, this.startedAt),
      collected: Object.fromEntries(this.collected),
      errors: [...this.errors],
      ...(this.stopError === undefined ? {} : { error: this.stopError }),
    };
  }
}
