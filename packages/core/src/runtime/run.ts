/**
 * One run of a compiled pipeline: wires stage nodes, moves items through bounded queues, runs hooks,
 * detects the end, handles failures and cancellation, and builds the RunResult.
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
import { ErrorCodes, MinigunError, listNames, toError } from '../errors.js';
import type { Emission } from '../strategy/strategy.js';
import { CHANNEL_TRANSPORT, type Registry } from '../strategy/registry.js';
import type { Output, RunContext, RunError, RunOptions, RunResult, RunStatus } from '../types.js';
import { boundInput, consoleLogger, createContext } from './context.js';
import { StageNode, type HeldEmit } from './stage-node.js';
import { snapshotRun } from './stats.js';
import { ProgressReporter, announceTotal } from './progress.js';
import { drainProduced } from './drain.js';
import { createStrategyHost, openTransport, stageInfo } from './strategy-host.js';
import { resolveName } from '../definition/graph.js';

const RESOLVED: Promise<void> = Promise.resolve();
type Maybe = void | Promise<void>;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

function cancelledError(pipeline: string, stage: string): MinigunError {
  return new MinigunError(ErrorCodes.CANCELLED, `Run of pipeline "${pipeline}" was stopped; stage "${stage}" can no longer emit.`, { pipeline, stage });
}

type AnyFn = (...args: unknown[]) => unknown;

export class Run<S> {
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
  private stopping = false;
  private ended = false;
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
      const node = new StageNode(compiled.stages.get(name)!);
      node.ctx = createContext(parts, name);
      this.nodes.set(name, node);
      this.order.push(node);
    }
    for (const node of this.order) {
      for (const t of compiled.graph.edges.get(node.name)!) node.targets.push(this.nodes.get(t)!);
      for (const s of compiled.graph.sources.get(node.name)!) node.sources.push(this.nodes.get(s)!);
      if (node.kind !== 'accumulator' && node.kind !== 'producer' && node.concurrency === 1) node.sharedOut = this.output(node, undefined);
      if (node.kind === 'producer') node.sharedOut = this.output(node, undefined);
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
    await this.closeExecutors(this.stopping ? 'force' : 'graceful');
    await Promise.all(this.sideWork);
    const result = this.result();
    await this.hooks('afterRun', undefined, [this.ctx, result], 'collect');
    await Promise.all(this.sideWork);
    // Only now: a signal while afterRun runs must not kill the process with the default handler.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // afterRun errors are part of the result the caller gets.
    return { ...this.result(), durationMs: result.durationMs };
  }

  private async startAndWait(): Promise<void> {
    try {
      await this.hooks('beforeRun', undefined, [this.ctx], 'throw');
    } catch (e) {
      this.status = 'failed';
      this.stopError = e as Error;
      return;
    }
    await this.createExecutors();
    if (this.status === 'failed') return;
    for (const node of this.order) await this.hooks('before', node, [node.ctx, { stage: node.name }], 'collect');
    if (this.stopping) return this.finished;
    for (const node of this.order) {
      if (node.kind === 'producer') this.runProducer(node);
      else if (node.kind === 'stage') this.startCustom(node);
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
      for (const buffer of node.buffers.values()) {
        node.counters.cancelled += buffer.items.length;
        clearTimeout(buffer.timer);
      }
      node.buffers.clear();
      node.releaseRoom();
      for (const r of node.readers.splice(0)) r({ done: true, value: undefined });
    }
    this.graceTimer = setTimeout(() => this.abandon(), this.graceMs);
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
      for (const b of node.buffers.values()) clearTimeout(b.timer);
    }
    this.finish();
  }

  // ---- quiescence and closing ---------------------------------------------------------------------

  private done(): void {
    if (--this.pending === 0) this.checkQuiescence();
  }

  private checkQuiescence(): void {
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
          if (!this.closable(node)) continue;
          node.phase = 'closing';
          progressed = true;
          this.beginClose(node);
          if (this.pending > 0) return;
        }
        if (node.phase === 'closing') {
          if (node.buffers.size > 0) this.flushAll(node);
          if (this.pending > 0) return;
          node.phase = 'finished';
          node.counters.endedAt = performance.now();
          progressed = true;
        } else if (node.phase === 'finished' && node.buffers.size > 0) {
          // Items routed with out.to() to a finished accumulator: flush them too.
          this.flushAll(node);
          if (this.pending > 0) return;
        }
      }
    }
    if (!this.order.every((n) => n.phase === 'finished')) return;
    if (this.afterHooksDone) this.complete();
    else this.finishAll();
  }

  /**
   * Whether a stage's input can end: every static source has finished. A stage without static sources
   * (reached only by out.to()) waits until every other stage has finished, since any of them may route to it.
   */
  private closable(node: StageNode): boolean {
    if (node.kind === 'producer') return false; // a producer's input ends when it returns
    if (node.sources.length > 0) return node.sources.every((s) => s.phase === 'finished');
    const downstream = node.descendants();
    return this.order.every((n) => n === node || n.phase === 'finished' || downstream.has(n) || (n.kind !== 'producer' && n.sources.length === 0));
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
    if (node.kind === 'accumulator') this.flushAll(node);
    else if (node.kind === 'stage') {
      // The runners may still emit after their input ends: they count as pending work until they return.
      this.pending += node.runnersAlive;
      for (const r of node.readers.splice(0)) r({ done: true, value: undefined });
    }
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
        return this.accumulate(node, item);
      case 'stage':
        return this.enqueueCustom(node, item);
      case 'producer':
        throw new MinigunError(ErrorCodes.INVALID_ROUTE, `Stage "${node.name}" is a producer and cannot receive items.`);
    }
    this.pending++;
    if (node.active < node.limit() && node.queue.length === 0 && !node.pumping) {
      this.start(node, item);
      return;
    }
    return this.enqueue(node, item);
  }

  private enqueue(node: StageNode, item: unknown): Maybe {
    node.queue.push(item);
    const depth = node.queue.length;
    if (depth > node.counters.maxDepth) node.counters.maxDepth = depth;
    if (depth <= node.capacity) return;
    return new Promise<void>((resolve) => node.roomWaiters.push(resolve));
  }

  /** Sends an emitted item to the stage's own targets. */
  private emitFrom(node: StageNode, item: unknown): Maybe {
    if (this.stopping) return Promise.reject(cancelledError(this.compiled.name, node.name));
    const targets = node.targets;
    node.counters.out++;
    if (targets.length === 1) return this.deliver(targets[0]!, item);
    if (targets.length === 0) return;
    if (node.roundRobin >= 0) return this.deliver(targets[node.roundRobin++ % targets.length]!, item);
    let waits: Promise<void>[] | undefined;
    for (const t of targets) {
      const r = this.deliver(t, item);
      if (r !== undefined) (waits ??= []).push(r);
    }
    return waits === undefined ? undefined : waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  private emitTo(node: StageNode, targets: readonly StageNode[], item: unknown): Maybe {
    if (this.stopping) return Promise.reject(cancelledError(this.compiled.name, node.name));
    node.counters.out++;
    if (targets.length === 1) return this.deliver(targets[0]!, item);
    const waits = targets.map((t) => this.deliver(t, item)).filter((w): w is Promise<void> => w !== undefined);
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  /** Resolves an `out.to(name)` target: a stage, or a nested pipeline (its entry stages). */
  private route(node: StageNode, name: string): readonly StageNode[] {
    const cached = node.routes.get(name);
    if (cached !== undefined) return cached;
    const groups = this.compiled.graph.groups;
    const full = typeof name === 'string' ? resolveName(name, node.spec.group, (n) => this.nodes.has(n) || groups.has(n)) : undefined;
    const targets = full === undefined ? undefined : this.nodes.has(full) ? [this.nodes.get(full)!] : groups.get(full)!.map((n) => this.nodes.get(n)!);
    if (targets === undefined || targets.length === 0) {
      throw new MinigunError(
        ErrorCodes.UNKNOWN_STAGE,
        `Stage "${node.name}" of pipeline "${this.compiled.name}" routes to "${String(name)}" with out.to(), but there is no such stage. Known stages: ${listNames([...this.nodes.keys(), ...groups.keys()])}.`,
        { pipeline: this.compiled.name, stage: node.name },
      );
    }
    const producer = targets.find((t) => t.kind === 'producer');
    if (producer !== undefined) {
      throw new MinigunError(
        ErrorCodes.INVALID_ROUTE,
        `Stage "${node.name}" of pipeline "${this.compiled.name}" routes to producer "${producer.name}" with out.to(), but producers never receive items.`,
        { pipeline: this.compiled.name, stage: node.name },
      );
    }
    node.routes.set(name, targets);
    return targets;
  }

  /**
   * The `out` handed to a stage function. With `hold`, emits are buffered (ordered output) instead of
   * delivered; `emitted` counts emits so a successful input that emitted nothing counts as filtered.
   */
  private output(node: StageNode, hold: HeldEmit[] | undefined): Output & { emitted: number } {
    const out = {
      emitted: 0,
      emit: (item: unknown): Promise<void> => {
        out.emitted++;
        if (hold !== undefined) {
          hold.push({ item });
          return RESOLVED;
        }
        return this.emitFrom(node, item) ?? RESOLVED;
      },
      to: (name: string) => {
        const target = this.route(node, name);
        return {
          emit: (item: unknown): Promise<void> => {
            out.emitted++;
            if (hold !== undefined) {
              hold.push({ to: target, item });
              return RESOLVED;
            }
            return this.emitTo(node, target, item) ?? RESOLVED;
          },
        };
      },
      total: (n: number) => announceTotal(node.counters, n, this.compiled.name, node.name),
    };
    return out;
  }

  // ---- processors and consumers -------------------------------------------------------------------

  private start(node: StageNode, item: unknown): void {
    node.active++;
    const seq = node.ordered ? node.nextSeq++ : -1;
    this.attempt(node, item, 1, seq);
  }

  private attempt(node: StageNode, item: unknown, attempt: number, seq: number): void {
    if (node.executor !== undefined) return this.attemptIsolated(node, item, attempt, seq);
    const hold: HeldEmit[] | undefined = seq >= 0 ? [] : undefined;
    const out = hold === undefined && node.sharedOut !== undefined ? (node.sharedOut as Output & { emitted: number }) : this.output(node, hold);
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

  private succeeded(node: StageNode, _item: unknown, value: unknown, t0: number, noEmits: boolean, hold: HeldEmit[] | undefined, seq: number): void {
    if (this.ended) return;
    const c = node.counters;
    if (t0 !== 0) c.latency.add(performance.now() - t0);
    c.done++;
    const emits = value !== undefined && node.emitsReturn;
    if (!emits && noEmits && node.targets.length > 0) c.filtered++;
    if (seq >= 0) {
      if (emits) hold!.push({ item: value });
      this.holdOrdered(node, seq, hold!);
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

  private failed(node: StageNode, item: unknown, attempt: number, seq: number, thrown: unknown, t0: number): void {
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
    if (seq >= 0) this.holdOrdered(node, seq, null);
    else this.release(node);
  }

  /** An input is over: free its slot and start queued ones. */
  private release(node: StageNode): void {
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

  /** Ordered output: hold each input's emits until every earlier input has been released. */
  private holdOrdered(node: StageNode, seq: number, emits: HeldEmit[] | null): void {
    node.held.set(seq, emits);
    if (!node.releasing) void this.releaseOrdered(node);
  }

  private async releaseOrdered(node: StageNode): Promise<void> {
    node.releasing = true;
    while (node.held.has(node.releaseSeq) && !this.ended) {
      const emits = node.held.get(node.releaseSeq);
      node.held.delete(node.releaseSeq);
      node.releaseSeq++;
      for (const e of emits ?? []) {
        if (this.stopping) break;
        const wait = e.to === undefined ? this.emitFrom(node, e.item) : this.emitTo(node, e.to, e.item);
        if (wait !== undefined) await wait.catch(() => undefined);
      }
      this.release(node);
    }
    node.releasing = false;
  }

  // ---- isolated strategies (executor) -------------------------------------------------------------

  private attemptIsolated(node: StageNode, item: unknown, attempt: number, seq: number): void {
    const t0 = node.counters.sample() ? performance.now() : 0;
    // Through a promise, so that an executor throwing synchronously fails the attempt, not the emitter.
    Promise.resolve({ input: item, attempt, signal: this.controller.signal })
      .then((a) => node.executor!.execute(a))
      .then(
        async (emissions) => {
          if (this.ended) return;
          if (seq < 0 && !Array.isArray(emissions) && Symbol.asyncIterator in emissions) {
            await this.deliverStreamed(node, item, emissions as AsyncIterable<Emission>, t0);
            return;
          }
          // All or nothing: the attempt succeeded, so its emissions are delivered now, in order.
          const hold: HeldEmit[] = [];
          const take = (e: Emission): void => {
            if (e.kind === 'collect') this.collect(e.key, e.value);
            else hold.push({ item: e.item, to: e.to === undefined ? undefined : this.route(node, e.to) });
          };
          // Arrays (the usual case) without a microtask per emission; async iterables (e.g. read from disk) streamed.
          if (Array.isArray(emissions)) for (const e of emissions as Emission[]) take(e);
          else for await (const e of emissions as AsyncIterable<Emission>) take(e);
          if (seq >= 0) {
            this.succeeded(node, item, undefined, t0, hold.length === 0, hold, seq);
            return;
          }
          if (t0 !== 0) node.counters.latency.add(performance.now() - t0);
          node.counters.done++;
          if (hold.length === 0 && node.targets.length > 0) node.counters.filtered++;
          for (const e of hold) {
            if (this.stopping) break;
            const wait = e.to === undefined ? this.emitFrom(node, e.item) : this.emitTo(node, e.to, e.item);
            if (wait !== undefined) await wait.catch(() => undefined);
          }
          this.release(node);
        },
        (e: unknown) => this.failed(node, item, attempt, seq, e, t0),
      )
      .catch((e: unknown) => this.fault(e));
  }

  /**
   * The emissions of a successful attempt read back from a transport: delivered as they are read, with
   * backpressure, so a large output is never held whole. A read that fails part-way fails the input without
   * a retry (what was read is already delivered; a retry would deliver it twice).
   */
  private async deliverStreamed(node: StageNode, item: unknown, emissions: AsyncIterable<Emission>, t0: number): Promise<void> {
    if (t0 !== 0) node.counters.latency.add(performance.now() - t0);
    let emitted = 0;
    try {
      for await (const e of emissions) {
        if (this.stopping || this.ended) break;
        if (e.kind === 'collect') {
          this.collect(e.key, e.value);
          continue;
        }
        emitted++;
        const wait = e.to === undefined ? this.emitFrom(node, e.item) : this.emitTo(node, this.route(node, e.to), e.item);
        if (wait !== undefined) await wait.catch(() => undefined);
      }
    } catch (error) {
      if (this.ended) return;
      node.counters.failed++;
      this.recordItemError(node, item, toError(error), 1);
      this.release(node);
      return;
    }
    if (this.ended) return;
    node.counters.done++;
    if (emitted === 0 && node.targets.length > 0) node.counters.filtered++;
    this.release(node);
  }

  private async createExecutors(): Promise<void> {
    for (const node of this.order) {
      if (node.strategy === 'inline') continue;
      const strategy = this.registry.strategy(node.strategy)!;
      const transportName = node.spec.options.transport;
      if (strategy.isolated && transportName !== undefined && transportName !== CHANNEL_TRANSPORT) {
        try {
          node.transport = await openTransport(this.registry.transport(transportName)!, stageInfo(node, this.compiled.name, this.compiled.module));
        } catch (e) {
          this.status = 'failed';
          this.stopError = toError(e);
          this.errors.push({ kind: 'run', stage: node.name, message: this.stopError.message, error: this.stopError, attempts: 1 });
          return;
        }
      }
      const host = createStrategyHost(node, {
        pipeline: this.compiled.name,
        module: this.compiled.module,
        state: this.state,
        signal: this.controller.signal,
        route: (n, name) => this.route(n, name),
        beforeFork: (n, workerId) => this.hooks('beforeFork', n, [n.ctx, { stage: n.name, workerId }], 'collect'),
        collect: (key, value) => this.collect(key, value),
        hookFailed: (point, n, error) => this.hookFailed(point, n, error),
        stopped: (n) => this.stoppedError(n),
      });
      try {
        const slots = strategy.slots?.(host.stage);
        if (slots !== undefined) node.slots = Math.max(1, Math.floor(slots));
        node.executor = await strategy.createExecutor(host);
      } catch (e) {
        this.status = 'failed';
        this.stopError = toError(e);
        this.errors.push({ kind: 'run', stage: node.name, message: this.stopError.message, error: this.stopError, attempts: 1 });
        return;
      }
    }
  }

  private async closeExecutors(mode: 'graceful' | 'force'): Promise<void> {
    const closing = (node: StageNode, what: string, error: unknown): void => {
      const e = toError(error);
      this.errors.push({ kind: 'run', stage: node.name, message: `closing ${what} of stage "${node.name}" failed: ${e.message}`, error: e, attempts: 1 });
    };
    await Promise.all(
      this.order.map(async (node) => {
        await node.executor?.close(mode).catch((e: unknown) => closing(node, 'the executor', e));
        // After the executor: no worker writes any more, and nothing is read any more.
        await node.transport?.session.close().catch((e: unknown) => closing(node, `transport "${node.transport!.name}"`, e));
      }),
    );
  }

  // ---- producers ----------------------------------------------------------------------------------

  private runProducer(node: StageNode): void {
    this.pending++;
    node.active++;
    node.counters.in++;
    node.counters.started();
    const finish = (error?: unknown): void => {
      if (this.ended) return;
      node.active--;
      if (error === undefined) node.counters.done++;
      else if (this.stopping) node.counters.cancelled++;
      else {
        node.counters.failed++;
        this.recordItemError(node, undefined, toError(error), 1);
      }
      // A producer's input is closed the moment it returns; it finishes at the next quiescence.
      node.phase = 'closing';
      this.done();
    };
    const run = node.executor?.produce !== undefined ? this.produceIsolated(node) : this.produceInline(node);
    run.then(
      () => finish(),
      (e: unknown) => finish(e ?? new Error('producer rejected without a reason')),
    );
  }

  private async produceInline(node: StageNode): Promise<void> {
    const result = await (node.spec.fn as AnyFn)(node.sharedOut!, node.ctx);
    await drainProduced(
      result,
      (item) => this.emitFrom(node, item),
      () => this.stoppedError(node),
    );
  }

  /** The error a producer loop stops with once the run is stopping. */
  private stoppedError(node: StageNode): Error | undefined {
    return this.stopping ? cancelledError(this.compiled.name, node.name) : undefined;
  }

  private async produceIsolated(node: StageNode): Promise<void> {
    await node.executor!.produce!(async (e) => {
      if (e.kind === 'collect') return this.collect(e.key, e.value);
      const wait = e.to === undefined ? this.emitFrom(node, e.item) : this.emitTo(node, this.route(node, e.to), e.item);
      if (wait !== undefined) await wait;
    }, this.controller.signal);
  }

  // ---- accumulators -------------------------------------------------------------------------------

  private accumulate(node: StageNode, item: unknown): Maybe {
    const spec = node.spec.accumulator!;
    let key: unknown;
    try {
      key = spec.key === undefined ? undefined : (spec.key as AnyFn)(item);
    } catch (e) {
      node.counters.failed++;
      this.recordItemError(node, item, toError(e), 1);
      return;
    }
    let buffer = node.buffers.get(key);
    if (buffer === undefined) {
      buffer = { items: [] };
      node.buffers.set(key, buffer);
      if (spec.maxWaitMs !== undefined) buffer.timer = setTimeout(() => void this.flush(node, key), spec.maxWaitMs);
    }
    buffer.items.push(item);
    if (buffer.items.length >= spec.maxSize) return this.flush(node, key);
  }

  private flushAll(node: StageNode): void {
    for (const key of [...node.buffers.keys()]) void this.flush(node, key);
  }

  /** Emits one buffer as a batch. Flushes of one accumulator run one after another, so batches stay in order. */
  private flush(node: StageNode, key: unknown): Maybe {
    const buffer = node.buffers.get(key);
    if (buffer === undefined || this.ended) return;
    node.buffers.delete(key);
    clearTimeout(buffer.timer);
    const items = buffer.items;
    this.pending++;
    const run = (): Maybe => {
      let r: unknown;
      try {
        r = node.spec.fn === undefined ? this.emitFrom(node, items) : (node.spec.fn as AnyFn)(items, node.sharedOut ?? this.output(node, undefined), node.ctx);
      } catch (e) {
        return this.flushFailed(node, items, e);
      }
      if (isThenable(r)) {
        return Promise.resolve(r).then(
          (v) => this.flushDone(node, items, node.spec.fn === undefined ? undefined : v),
          (e: unknown) => this.flushFailed(node, items, e),
        );
      }
      return this.flushDone(node, items, node.spec.fn === undefined ? undefined : r);
    };
    if (node.flushTail !== undefined) {
      const tail: Promise<void> = node.flushTail.then(run);
      node.flushTail = tail;
      void tail.then(() => {
        if (node.flushTail === tail) node.flushTail = undefined;
      });
      return tail;
    }
    const r = run();
    if (r !== undefined) {
      node.flushTail = r;
      void r.then(() => {
        if (node.flushTail === r) node.flushTail = undefined;
      });
    }
    return r;
  }

  private flushDone(node: StageNode, items: unknown[], value: unknown): Maybe {
    node.counters.done += items.length;
    const wait = value !== undefined && !this.stopping ? this.emitFrom(node, value) : undefined;
    if (wait === undefined) return this.done();
    return wait.then(
      () => this.done(),
      () => this.done(),
    );
  }

  private flushFailed(node: StageNode, items: unknown[], e: unknown): void {
    if (this.stopping && isCancelled(e)) node.counters.cancelled += items.length;
    else {
      node.counters.failed += items.length;
      this.recordItemError(node, items, toError(e), 1);
    }
    this.done();
  }

  // ---- custom stages ------------------------------------------------------------------------------

  private enqueueCustom(node: StageNode, item: unknown): Maybe {
    if (node.runnersAlive === 0 && node.phase !== 'open') {
      node.counters.failed++;
      const error = new MinigunError(
        ErrorCodes.STAGE_CLOSED,
        `Stage "${node.name}" of pipeline "${this.compiled.name}" received an item after its input stream ended (it was routed there with out.to() late). Route it to a processor instead.`,
        { pipeline: this.compiled.name, stage: node.name },
      );
      this.recordItemError(node, item, error, 1);
      return;
    }
    this.pending++;
    const reader = node.readers.shift();
    if (reader !== undefined) {
      node.active++;
      reader({ done: false, value: item });
      return;
    }
    return this.enqueue(node, item);
  }

  private startCustom(node: StageNode): void {
    for (let i = 0; i < node.concurrency; i++) {
      node.runnersAlive++;
      let holding = false;
      let heldValue: unknown;
      // An item taken from the queue stays pending until the runner asks for the next one (or returns):
      // that is when the loop body that handled it is over.
      const settleHeld = (): void => {
        if (!holding) return;
        holding = false;
        node.active--;
        node.counters.done++;
        this.done();
      };
      const iterator: AsyncIterator<unknown> = {
        next: () => {
          settleHeld();
          if (node.queue.length > 0) {
            const value = node.queue.shift();
            node.releaseRoom();
            node.active++;
            holding = true;
            heldValue = value;
            return Promise.resolve({ done: false, value });
          }
          if (node.phase !== 'open' || this.stopping) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve) =>
            node.readers.push((r) => {
              holding = !r.done;
              heldValue = r.value;
              resolve(r);
            }),
          );
        },
        return: () => {
          settleHeld();
          return Promise.resolve({ done: true, value: undefined });
        },
      };
      const input: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => iterator };
      const out = node.sharedOut ?? this.output(node, undefined);
      Promise.resolve()
        .then(() => (node.spec.fn as AnyFn)(input, out, node.ctx))
        .then(
          () => {
            settleHeld();
            this.runnerEnded(node);
          },
          (e: unknown) => {
            if (this.ended) return;
            const held = holding;
            if (holding) {
              holding = false;
              node.active--;
              this.pending--;
            }
            if (this.stopping) {
              if (held) node.counters.cancelled++;
            } else {
              if (held) node.counters.failed++;
              // The error belongs to the item the runner held, if any.
              this.recordItemError(node, held ? heldValue : undefined, toError(e), 1);
            }
            this.runnerEnded(node);
          },
        );
    }
  }

  private runnerEnded(node: StageNode): void {
    if (this.ended) return;
    node.runnersAlive--;
    if (node.phase !== 'open') this.pending--; // counted as pending when the input was closed
    if (node.runnersAlive === 0) {
      // Nobody reads the queue any more: what is left can never be handled.
      const left = node.queue.drain();
      for (const item of left) {
        node.counters.failed++;
        this.pending--;
        this.recordItemError(
          node,
          item,
          new MinigunError(ErrorCodes.STAGE_CLOSED, `Custom stage "${node.name}" returned before reading this item.`, {
            pipeline: this.compiled.name,
            stage: node.name,
          }),
          0,
        );
      }
      node.releaseRoom();
    }
    this.checkQuiescence();
  }

  // ---- failures, hooks, collect ------------------------------------------------------------------

  private recordItemError(node: StageNode, input: unknown, error: Error, attempts: number): void {
    const bounded = input === undefined ? undefined : boundInput(input, this.maxInputChars);
    this.errors.push({ kind: 'item', stage: node.name, message: error.message, error, input: bounded, attempts });
    this.notifyError(error, { stage: node.name, input });
    if (node.spec.options.onError === 'abort') this.stop('failed', error);
  }

  private notifyError(error: Error, info: { stage?: string; input?: unknown }): void {
    const hooks = this.compiled.hooks.list('onError');
    if (hooks.length === 0) return;
    // While the run is live the hooks count as pending work; afterwards execute() awaits `sideWork`.
    const live = !this.ended;
    if (live) this.pending++;
    const ctx = info.stage === undefined ? this.ctx : (this.nodes.get(info.stage)?.ctx ?? this.ctx);
    const work = runHooks(hooks, [error, info, ctx], { policy: 'collect' }).then((r) => {
      // A failing onError hook is recorded but not reported to onError again (no loops).
      for (const e of r.errors) this.errors.push({ kind: 'hook', hook: 'onError', stage: info.stage, message: e.message, error: e, attempts: 1 });
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

  private hookFailed(point: HookPoint, node: StageNode | undefined, error: HookError): void {
    this.errors.push({ kind: 'hook', hook: point, stage: node?.name, message: error.message, error, attempts: 1 });
    this.notifyError(error, { stage: node?.name });
  }

  private collect(key: string, value: unknown): void {
    if (typeof key !== 'string') throw new MinigunError(ErrorCodes.INVALID_OPTION, `ctx.collect() needs a string key, got ${typeof key}.`);
    const list = this.collected.get(key);
    if (list === undefined) this.collected.set(key, [value]);
    else list.push(value);
  }

  private fault(e: unknown): void {
    const error = toError(e);
    this.errors.push({ kind: 'run', message: `internal fault: ${error.message}`, error, attempts: 1 });
    this.stop('failed', error);
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

function isCancelled(e: unknown): boolean {
  return e instanceof MinigunError && e.code === ErrorCodes.CANCELLED;
}
