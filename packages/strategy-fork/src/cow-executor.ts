/**
 * `cow-fork`: each input runs in a fresh child process that exits afterwards, at most `concurrency` at
 * once. Node has no fork(2), so the cost of starting a process and importing the pipeline module is hidden
 * by spares: children started ahead that have imported the module and wait for their one input. "Fork
 * time" is when a spare is given its input: beforeFork runs then, then the state is snapshotted, then
 * afterFork runs in the child (docs/semantics.md, "State snapshots").
 */
import { ErrorCodes, MinigunError, type Attempt, type Emission, type StageExecutor, type StrategyHost, type StreamInput, type WorkerInfo } from '@minigun/core';
import { assertCloneable, deliverHookReport, deserializeError, emissionsOf, forkSetup, type InputOutcome } from '@minigun/core/toolkit';
import { ChildWorker } from './child-worker.js';
import type { ChildLauncher } from './launcher.js';

export interface CowForkOptions {
  readonly launcher: ChildLauncher;
  /** Children kept started ahead (module imported, waiting for an input). */
  readonly spares: number;
  /** How long a child may take to exit after its input before it is killed. */
  readonly exitGraceMs: number;
  /** What `result.stats` says about how the stage ran (the start method). */
  readonly details?: () => Readonly<Record<string, unknown>>;
  /** Releases the launcher once no child is left (a fork server). */
  readonly closeLauncher?: () => Promise<void>;
}

export class CowForkExecutor implements StageExecutor {
  /** Started ahead: the child at once (so close() can kill it mid-import) and when it is ready. */
  private readonly spares: Array<{ readonly child: ChildWorker; readonly ready: Promise<ChildWorker> }> = [];
  private readonly live = new Set<ChildWorker>();
  /** Children asked to exit after their input; close() waits for them so that none outlives the run. */
  private readonly exiting = new Set<Promise<void>>();
  private readonly slotWaiters: Array<() => void> = [];
  private running = 0;
  private nextWorkerId = 1;
  private closed = false;

  constructor(
    private readonly host: StrategyHost,
    private readonly options: CowForkOptions,
  ) {
    this.fillSpares();
    host.signal.addEventListener(
      'abort',
      () => {
        for (const child of this.live) child.send({ t: 'cancel' });
      },
      { once: true },
    );
  }

  /** Children running an input (spares waiting for one are not workers yet). */
  workers(): WorkerInfo[] {
    return [...this.live].filter((c) => c.alive && c.workerId > 0 && c.pid > 0).map((c) => ({ id: c.workerId, pid: c.pid, busy: true }));
  }

  async execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>> {
    assertCloneable(attempt.input, 'the input', this.where);
    await this.slot();
    try {
      this.assertOpen();
      // Counted as live from the moment it is taken, so that close() reaches it even while it still imports.
      const spare = this.takeSpare();
      this.live.add(spare.child);
      try {
        const child = await spare.ready;
        this.assertOpen();
        const [outcome] = await this.runOnce(child, attempt.input);
        if (outcome === undefined)
          throw new MinigunError(ErrorCodes.RUN_FAILED, `Child ${child.pid} of stage "${this.where.stage}" returned no outcome.`, this.where);
        if (!outcome.ok) throw deserializeError(outcome.error);
        return emissionsOf(this.host, outcome);
      } finally {
        this.live.delete(spare.child);
        const exit = spare.child.shutdown(this.options.exitGraceMs);
        this.exiting.add(exit);
        void exit.then(() => this.exiting.delete(exit));
      }
    } finally {
      this.release();
    }
  }

  async produce(emit: (e: Emission) => Promise<void>): Promise<void> {
    const spare = this.takeSpare();
    this.live.add(spare.child);
    try {
      const child = await spare.ready;
      await this.start(child);
      await child.produce(emit);
    } finally {
      this.live.delete(spare.child);
      await spare.child.shutdown(this.options.exitGraceMs);
    }
  }

  /** One reader of a custom stage: a fresh child (like a producer's), for as long as the stage function reads. */
  async stream(input: StreamInput, emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void> {
    const spare = this.takeSpare();
    this.live.add(spare.child);
    try {
      const child = await spare.ready;
      await this.start(child);
      await child.stream(input, emit, signal);
    } finally {
      this.live.delete(spare.child);
      await spare.child.shutdown(this.options.exitGraceMs);
    }
  }

  details(): Readonly<Record<string, unknown>> {
    return this.options.details?.() ?? {};
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    this.closed = true;
    for (const wake of this.slotWaiters.splice(0)) wake();
    await Promise.all([
      // Spares never got an input: no need to let them finish importing.
      ...this.spares.splice(0).map((s) => s.child.kill()),
      ...[...this.live].map((c) => (mode === 'force' ? c.kill() : c.shutdown(this.options.exitGraceMs))),
      ...this.exiting,
    ]);
    await this.options.closeLauncher?.();
  }

  private get where(): { pipeline: string; stage: string } {
    return { pipeline: this.host.stage.pipeline, stage: this.host.stage.stage };
  }

  /**
   * beforeFork in the parent, the state snapshot, then the child's afterFork. `whileSettingUp` sends what
   * follows the setup without waiting for its answer (the child handles messages in order).
   */
  private async start(child: ChildWorker, whileSettingUp?: () => void): Promise<void> {
    const workerId = this.nextWorkerId++;
    const ready = child.setup(await forkSetup(this.host, workerId));
    whileSettingUp?.();
    deliverHookReport(this.host, await ready, workerId);
  }

  /**
   * `start`, the one input and the shutdown, sent together: no round trip is spent between them, and the
   * child exits as soon as it has answered.
   */
  private async runOnce(child: ChildWorker, input: unknown): Promise<InputOutcome[]> {
    let ran: Promise<InputOutcome[]> | undefined;
    try {
      await this.start(child, () => {
        ran = child.runInputs([input]);
        child.requestShutdown();
      });
    } catch (error) {
      ran?.catch(() => undefined); // the failed setup fails the input too; this error says why
      throw error;
    }
    return ran!;
  }

  private takeSpare(): { child: ChildWorker; ready: Promise<ChildWorker> } {
    const spare = this.spares.shift() ?? this.startSpare();
    // Asked on the next turn, so that a producer that has just emitted its last item counts as done.
    setImmediate(() => this.fillSpares());
    return spare;
  }

  /**
   * Tops the spares up to `spares`, or, once no more input can come along the stage's edges, to the inputs
   * still waiting: a spare nobody takes costs a whole start-up. (An input that comes anyway, e.g. a retry
   * or an out.to(), starts its child on demand.)
   */
  private fillSpares(): void {
    const { queued, more } = this.host.upcoming();
    const wanted = more ? this.options.spares : Math.min(this.options.spares, queued + this.slotWaiters.length);
    while (!this.closed && this.spares.length < wanted) this.spares.push(this.startSpare());
  }

  private startSpare(): { child: ChildWorker; ready: Promise<ChildWorker> } {
    const child = new ChildWorker(this.options.launcher, this.where);
    const stage = this.host.stage;
    const ready = child
      .prepare({ module: stage.module!, pipeline: stage.pipeline, stage: stage.stage, transportModule: this.host.transport?.workerModule })
      .then(
        () => child,
        async (error: unknown) => {
          await child.kill();
          throw error;
        },
      );
    ready.catch(() => undefined); // a failed spare fails the input that takes it
    return { child, ready };
  }

  private async slot(): Promise<void> {
    while (this.running >= this.host.stage.options.concurrency && !this.closed) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.running++;
  }

  private assertOpen(): void {
    if (this.closed) throw new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.where.stage}" was closed before this input ran.`, this.where);
  }

  private release(): void {
    this.running--;
    this.slotWaiters.shift()?.();
  }
}
