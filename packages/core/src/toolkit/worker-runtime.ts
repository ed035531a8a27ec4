/**
 * The worker side of the protocol: sets a stage up inside an isolated worker and runs its inputs. Every
 * isolated strategy's worker entry creates one `WorkerRuntime` and feeds it the messages it receives.
 */
import { runHooks } from '@minigun/hooks';
import type { CompiledPipeline, CompiledStage } from '../definition/compile.js';
import { resolveName } from '../definition/graph.js';
import { ErrorCodes, MinigunError, listNames } from '../errors.js';
import { consoleLogger } from '../runtime/context.js';
import { checkTotal } from '../runtime/progress.js';
import type { CreateTransportWriter, Emission, TransportAttemptWriter, TransportWriteGroup, TransportWriter } from '../strategy/strategy.js';
import type { Logger, Output, RunContext } from '../types.js';
import { assertCloneable } from './cloneable.js';
import { findPipeline, findStage, importPipelineModule } from './locate.js';
import { markMinigunWorker } from './in-worker.js';
import { currentThreadId } from './thread-id.js';
import type { HookReport, InputOutcome, WorkerSetup } from './protocol.js';
import { CreditWindow } from './producer-flow.js';
import type { StreamInbox } from './stream-flow.js';
import { serializeError } from './serialize-error.js';

type AnyFn = (...args: unknown[]) => unknown;

/** Which stage a worker runs (and, for workers started ahead, the transport's worker half to load early). */
export type StageTarget = Pick<WorkerSetup, 'module' | 'pipeline' | 'stage'> & { readonly transportModule?: string };

/** A stage whose module is imported, waiting for its setup (state snapshot, worker id). */
export interface PreparedStage {
  readonly target: StageTarget;
  /** `threadId`: this isolate's, when the caller knows it (a child process's main thread: 0); else read on first use. */
  start(setup: WorkerSetup, threadId?: number): WorkerRuntime;
}

/** Stages prepared in this isolate, by target. */
const PREPARED = new Map<string, Promise<PreparedStage>>();

/** Runs the stage's preload hooks (pipeline-wide, then the stage's); the first that throws fails the preparation. */
async function preload(compiled: CompiledPipeline, stage: CompiledStage, target: StageTarget): Promise<void> {
  const hooks = compiled.hooks.list('preload', stage.name);
  if (hooks.length === 0) return;
  try {
    await runHooks(hooks, [{ pipeline: target.pipeline, stage: stage.name, pid: process.pid }], {
      policy: 'throw',
      where: { pid: process.pid, threadId: currentThreadId() },
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `The preload hook of stage "${stage.name}" (pipeline "${target.pipeline}") threw: ${(cause as Error)?.message ?? String(cause)}. No input of the stage can run; fix the hook (it runs in the worker, or the fork server, before any afterFork).`,
      { pipeline: target.pipeline, stage: stage.name, cause },
    );
  }
}

export class WorkerRuntime {
  private readonly controller = new AbortController();
  /** Producer flow control: emissions in flight to the parent. */
  private readonly window = new CreditWindow();
  /** The input streams of the custom stage readers running here. */
  private readonly inboxes = new Set<StreamInbox>();
  /** The worker half of the stage's transport, when it has one (loaded once, on first use). */
  private writer?: Promise<TransportWriter>;

  private constructor(
    readonly setup: WorkerSetup,
    private readonly compiled: CompiledPipeline,
    private readonly stage: CompiledStage,
    private readonly logger: Logger,
    private readonly threadId: number | undefined,
  ) {}

  /** Imports the module, finds the stage and marks this isolate as a worker (an accidental run() then fails). */
  static async create(setup: WorkerSetup, logger: Logger = consoleLogger): Promise<WorkerRuntime> {
    return (await WorkerRuntime.prepare(setup, logger)).start(setup);
  }

  /**
   * The first half of `create`, for workers started ahead of their input (spares): import the module and
   * find the stage now; `start` with the state snapshot and worker id once an input is assigned.
   */
  static prepare(target: StageTarget, logger: Logger = consoleLogger): Promise<PreparedStage> {
    // Once per stage and isolate: its preload hooks run once, and a process forked from this one (a fork
    // server's child) finds the stage prepared.
    const key = JSON.stringify([target.module, target.pipeline, target.stage]);
    let prepared = PREPARED.get(key);
    if (prepared === undefined) {
      prepared = WorkerRuntime.load(target, logger);
      PREPARED.set(key, prepared);
      prepared.catch(() => PREPARED.delete(key)); // a failure may be retried (a fixed module, a new worker)
    }
    // A worker started ahead (a spare) loads the transport's worker half now too, off the input's path. If it
    // cannot, the setup loads it again (afterFork) and fails with an error that names the stage and transport.
    const transportModule = target.transportModule;
    if (transportModule === undefined) return prepared;
    return prepared.then(async (p) => {
      await import(transportModule).catch(() => undefined);
      return p;
    });
  }

  private static async load(target: StageTarget, logger: Logger): Promise<PreparedStage> {
    markMinigunWorker();
    const exports = await importPipelineModule(target.module);
    const pipeline = findPipeline(exports, target.pipeline, target.module);
    const stage = findStage(pipeline, target.stage);
    await preload(pipeline.compiled, stage, target);
    return {
      target,
      start: (setup, threadId) => {
        if (setup.module !== target.module || setup.pipeline !== target.pipeline || setup.stage !== target.stage) {
          throw new MinigunError(
            ErrorCodes.WORKER_SETUP,
            `A worker prepared for stage "${target.stage}" of pipeline "${target.pipeline}" was set up for stage "${setup.stage}" of pipeline "${setup.pipeline}".`,
            target,
          );
        }
        return new WorkerRuntime(setup, pipeline.compiled, stage, logger, threadId);
      },
    };
  }

  get where(): { pipeline: string; stage: string } {
    return { pipeline: this.setup.pipeline, stage: this.setup.stage };
  }

  /** Runs the afterFork hooks (pipeline, stage, inline) in this worker. */
  async afterFork(): Promise<HookReport> {
    // The transport's worker half loads as part of start-up, not in the middle of the first input. A worker
    // that cannot load it cannot run the stage at all: the setup fails (each input then fails with why).
    if (this.setup.transport !== undefined) await this.transportWriter();
    const emissions: Emission[] = [];
    const ctx = this.context((key, value) => emissions.push({ kind: 'collect', key, value }));
    const hooks = this.compiled.hooks.list('afterFork', this.stage.name);
    const { errors } = await runHooks(hooks, [ctx, { stage: this.stage.name, workerId: this.setup.workerId, pid: process.pid }], {
      policy: 'collect',
      where: { pid: process.pid, threadId: this.threadId ?? currentThreadId(), workerId: this.setup.workerId },
    });
    // Each error as the hook threw it: the parent records it with the hook point and stage as fields.
    return { emissions: this.checked(emissions), errors: errors.map((e) => serializeError(e.cause)) };
  }

  /**
   * Runs each input as its own attempt; the emissions of an attempt are kept only if it succeeded. With a
   * transport they are written through it as they come (not held here) and each success carries a ref.
   */
  async runInputs(inputs: readonly unknown[]): Promise<InputOutcome[]> {
    const outcomes: InputOutcome[] = [];
    if (this.setup.transport === undefined) {
      for (const input of inputs) outcomes.push(await this.runInput(input));
      return outcomes;
    }
    let group: TransportWriteGroup;
    try {
      group = (await this.transportWriter()).group();
    } catch (error) {
      const failed = { ok: false as const, error: serializeError(error) };
      return inputs.map(() => failed);
    }
    for (const input of inputs) outcomes.push(await this.runInput(input, group.attempt()));
    let refs: string[];
    try {
      refs = await group.finish();
    } catch (error) {
      // The group's records cannot be read back: its successes fail (and are retried) rather than vanish.
      return outcomes.map((o) => (o.ok ? { ok: false, error: serializeError(error) } : o));
    }
    let next = 0;
    return outcomes.map((o) => (o.ok ? { ok: true, emissions: [], ref: refs[next++] } : o));
  }

  async runInput(input: unknown, writer?: TransportAttemptWriter): Promise<InputOutcome> {
    const emissions: Emission[] = [];
    // A record the transport could not take fails the attempt even if the stage caught the error.
    let lost: unknown;
    const push =
      writer === undefined
        ? (e: Emission): Promise<void> => {
            emissions.push(e);
            return Promise.resolve();
          }
        : async (e: Emission): Promise<void> => {
            try {
              this.checked([e]);
              await writer.write(e);
            } catch (error) {
              lost ??= error;
              throw error;
            }
          };
    try {
      const value = await (this.stage.fn as AnyFn)(
        input,
        this.output(push),
        // A collect that cannot be written is recorded in `lost` by `push`, and fails the attempt below.
        this.context((key, v) => void push({ kind: 'collect', key, value: v }).catch(() => undefined)),
      );
      if (value !== undefined && this.stage.kind === 'processor') await push({ kind: 'emit', item: value });
      if (lost !== undefined) throw lost;
      if (writer === undefined) return { ok: true, emissions: this.checked(emissions) };
      await writer.commit();
      return { ok: true, emissions: [] };
    } catch (error) {
      // The attempt fails with its own error; an abort that fails too leaves records no ref points to, which
      // the parent never reads (and removes with the session).
      await writer?.abort().catch(() => undefined);
      return { ok: false, error: serializeError(error) };
    }
  }

  /**
   * Runs a producer; `send` carries each emission to the parent, which grants credit as it accepts them.
   * A collected value that cannot cross throws at the `ctx.collect` call and fails the producer even if the
   * stage catches it (like a record a transport could not take); once the run is cancelled, `out.emit`
   * rejects with `ERR_MINIGUN_CANCELLED`, which ends the producer's loop.
   */
  async produce(send: (e: Emission) => void): Promise<void> {
    const { emit, ctx, check } = this.streaming(send);
    const result = await (this.stage.fn as AnyFn)(this.output(emit), ctx);
    if (result !== null && typeof result === 'object') {
      if (Symbol.asyncIterator in result) for await (const item of result as AsyncIterable<unknown>) await emit({ kind: 'emit', item });
      else if (Symbol.iterator in result) for (const item of result as Iterable<unknown>) await emit({ kind: 'emit', item });
    }
    check();
  }

  /**
   * Runs one reader of a custom stage: the stage function reads `inbox` as its input stream. `read` reports,
   * in order with the emissions sent through `send`, when the function releases the item it held (it asks
   * for the next one) and when it takes one; the parent settles the items from these. `return()` on the
   * stream (a `for await` left by `break` or a throw) releases nothing: the held item is done if the function
   * then returns, failed if it throws. Emissions and collects flow as for a producer (credit, cancellation).
   */
  async stream(inbox: StreamInbox, send: (e: Emission) => void, read: (released: boolean, took: boolean) => void): Promise<void> {
    this.inboxes.add(inbox);
    if (this.controller.signal.aborted) inbox.close();
    try {
      const { emit, ctx, check } = this.streaming(send, true);
      let holding = false;
      const iterator: AsyncIterator<unknown> = {
        next: () => {
          const released = holding;
          holding = false;
          const r = inbox.take();
          if (!(r instanceof Promise)) {
            holding = r.done !== true;
            if (released || holding) read(released, holding);
            return Promise.resolve(r);
          }
          if (released) read(true, false);
          return r.then((later) => {
            if (later.done !== true) {
              holding = true;
              read(false, true);
            }
            return later;
          });
        },
        return: () => Promise.resolve({ done: true, value: undefined }),
      };
      const input: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => iterator };
      await (this.stage.fn as AnyFn)(input, this.output(emit), ctx);
      check();
    } finally {
      this.inboxes.delete(inbox);
    }
  }

  /**
   * The emitter and ctx of a stage that streams its emissions to the parent (a producer, a custom stage):
   * each emission waits for credit. `check()` throws the first collect that could not be sent.
   * `keepCollects`: once the run is cancelled, collects are still sent (without credit), as the results of a
   * reader that finishes in the grace period are kept; a producer's are refused instead.
   */
  private streaming(send: (e: Emission) => void, keepCollects = false): { emit: (e: Emission) => Promise<void>; ctx: RunContext; check: () => void } {
    let failure: { error: unknown } | undefined;
    const emit = async (e: Emission): Promise<void> => {
      if (failure !== undefined) throw failure.error;
      this.checked([e]);
      const wait = this.window.take();
      if (wait !== undefined) await wait;
      send(e);
    };
    const ctx = this.context((key, value) => {
      const e: Emission = { kind: 'collect', key, value };
      try {
        this.checked([e]);
      } catch (error) {
        failure ??= { error };
        throw error;
      }
      if (keepCollects && this.controller.signal.aborted) {
        send(e);
        return;
      }
      // Only a cancelled run refuses it, and then the stage ends as cancelled: record why.
      emit(e).catch((error: unknown) => {
        failure ??= { error };
      });
    });
    return {
      emit,
      ctx,
      check: () => {
        if (failure !== undefined) throw failure.error;
      },
    };
  }

  /** The parent accepted `n` more producer emissions. */
  grant(n: number): void {
    this.window.grant(n);
  }

  /** Lets the transport's worker half release what it holds (the worker is shutting down). */
  async close(): Promise<void> {
    // A writer that could not be created holds nothing (its error was reported at setup).
    if (this.writer !== undefined) await (await this.writer.catch(() => undefined))?.close?.();
  }

  /** The run was cancelled (or aborted): ctx.signal aborts, a producer's emits reject from now on, and readers' input streams end. */
  cancel(): void {
    for (const inbox of this.inboxes) inbox.close();
    const { pipeline, stage } = this.where;
    this.controller.abort(new MinigunError(ErrorCodes.CANCELLED, `Run of pipeline "${pipeline}" was cancelled.`, { pipeline, stage }));
    this.window.close(
      new MinigunError(ErrorCodes.CANCELLED, `Run of pipeline "${pipeline}" was stopped; stage "${stage}" can no longer emit.`, { pipeline, stage }),
    );
  }

  private transportWriter(): Promise<TransportWriter> {
    const t = this.setup.transport!;
    this.writer ??= (async () => {
      let create: CreateTransportWriter | undefined;
      try {
        create = ((await import(t.module)) as { createTransportWriter?: CreateTransportWriter }).createTransportWriter;
      } catch (error) {
        throw new MinigunError(
          ErrorCodes.TRANSPORT,
          `A worker of stage "${this.stage.name}" (pipeline "${this.setup.pipeline}") could not import the worker half of transport "${t.name}" from ${t.module}: ${(error as Error).message}`,
          { ...this.where, cause: error },
        );
      }
      if (typeof create !== 'function') {
        throw new MinigunError(
          ErrorCodes.TRANSPORT,
          `The worker half of transport "${t.name}" (${t.module}) does not export createTransportWriter(config, where).`,
          this.where,
        );
      }
      return create(t.config, { ...this.where, workerId: this.setup.workerId });
    })();
    return this.writer;
  }

  private output(push: (e: Emission) => Promise<void>): Output {
    return {
      emit: (item) => push({ kind: 'emit', item }),
      to: (name) => {
        this.checkRoute(name);
        return { emit: (item) => push({ kind: 'emit', item, to: name }) };
      },
      // Checked here, where the stage called it; the parent records it for progress. A total that cannot be
      // sent is already recorded as the attempt's failure by `push` (or the run stopped): nothing to add.
      total: (n) => void push({ kind: 'total', n: checkTotal(n, this.setup.pipeline, this.stage.name) }).catch(() => undefined),
    };
  }

  private checkRoute(name: string): void {
    const known = (n: string): boolean => this.compiled.stages.has(n) || this.compiled.graph.groups.has(n);
    const full = typeof name === 'string' ? resolveName(name, this.stage.group, known) : undefined;
    if (full === undefined) {
      throw new MinigunError(
        ErrorCodes.UNKNOWN_STAGE,
        `Stage "${this.stage.name}" of pipeline "${this.compiled.name}" routes to "${String(name)}" with out.to(), but there is no such stage. Known stages: ${listNames(this.compiled.stages.keys())}.`,
        this.where,
      );
    }
  }

  private context(collect: (key: string, value: unknown) => void): RunContext {
    const prefix = `[${this.setup.pipeline}/${this.stage.name} worker ${this.setup.workerId}]`;
    const log = this.logger;
    return {
      state: this.setup.state,
      stage: this.stage.name,
      pipeline: this.setup.pipeline,
      pid: process.pid,
      workerId: this.setup.workerId,
      signal: this.controller.signal,
      collect: (key, value) => {
        if (typeof key !== 'string') throw new MinigunError(ErrorCodes.INVALID_OPTION, `ctx.collect() needs a string key, got ${typeof key}.`, this.where);
        collect(key, value);
      },
      log: {
        debug: (m, ...a) => log.debug(`${prefix} ${m}`, ...a),
        info: (m, ...a) => log.info(`${prefix} ${m}`, ...a),
        warn: (m, ...a) => log.warn(`${prefix} ${m}`, ...a),
        error: (m, ...a) => log.error(`${prefix} ${m}`, ...a),
      },
    };
  }

  /** Emissions must survive the copy to the parent; fail the attempt with the value's path otherwise. */
  private checked(emissions: Emission[]): Emission[] {
    for (const e of emissions) {
      if (e.kind === 'emit') assertCloneable(e.item, e.to === undefined ? 'the emitted item' : `the item sent to "${e.to}"`, this.where);
      else if (e.kind === 'collect') assertCloneable(e.value, `the value collected under "${e.key}"`, this.where);
    }
    return emissions;
  }
}
