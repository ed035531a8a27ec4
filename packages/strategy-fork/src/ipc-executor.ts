/**
 * `ipc-fork`: `concurrency` persistent child processes kept for the run (like Ruby's IPC fork and
 * Unicorn-style pools). Inputs go to idle children, in chunks when the queue is deep; each child keeps its
 * state across inputs. Children start on demand: beforeFork, fork, state snapshot, afterFork. Optional
 * recycling replaces a child after N inputs or above a memory limit. A child that dies is replaced, or not,
 * as its RestartPolicy decides; once the policy gives up, the stage's inputs fail at once.
 */
import { ErrorCodes, MinigunError, type Attempt, type Emission, type StageExecutor, type StrategyHost, type StreamInput, type WorkerInfo } from '@minigun/core';
import {
  AttemptQueue,
  assertCloneable,
  deliverHookReport,
  emissionsOf,
  forkSetup,
  type InputOutcome,
  type QueuedAttempt,
  type WarmPools,
} from '@minigun/core/toolkit';
import { ChildWorker } from './child-worker.js';
import type { ChildLauncher } from './launcher.js';
import { RestartPolicy, type RestartOptions } from './restart-policy.js';

export interface IpcForkOptions {
  readonly launcher: ChildLauncher;
  readonly maxChunk: number;
  /** Replace a child after it ran this many inputs. */
  readonly recycleAfter?: number;
  /** Replace a child whose resident memory is above this many MB after a chunk. */
  readonly maxRssMb?: number;
  readonly exitGraceMs: number;
  /** What follows a child's death. */
  readonly restart: RestartOptions;
  /** keepAlive: where the children come from and go back to between runs of the stage. */
  readonly warm?: WarmPools<ChildWorker[]>;
}

/** One place in the pool: at most one child at a time. */
interface Slot {
  child?: ChildWorker;
  starting?: Promise<ChildWorker>;
  busy: boolean;
  /** Its child died and is not replaced (restart: 'never'). */
  lost: boolean;
  /** Its child has been set up for this run (a kept child still holds the previous run's setup). */
  setUp: boolean;
  /** Stops listening for the death of the slot's child (it is handed to the next run). */
  forget?: () => void;
}

export class IpcForkExecutor implements StageExecutor {
  private readonly slots: Slot[];
  private readonly queue: AttemptQueue;
  private readonly retiring = new Set<Promise<void>>();
  private readonly restart: RestartPolicy;
  private nextWorkerId = 1;
  private closed = false;
  /** The children's key among the strategy's warm pools: the same stage of the same module, with as many slots. */
  private readonly warmKey: string;
  /** Set once the restart policy gave up: every input fails with it from then on. */
  private stopped: Error | undefined;

  constructor(
    private readonly host: StrategyHost,
    private readonly options: IpcForkOptions,
  ) {
    this.slots = Array.from({ length: host.stage.options.concurrency }, () => ({ busy: false, lost: false, setUp: false }));
    const { module, pipeline, stage } = host.stage;
    this.warmKey = JSON.stringify([module, pipeline, stage, this.slots.length]);
    const kept = options.warm?.take(this.warmKey)?.filter((c) => c.alive) ?? [];
    kept.forEach((child, i) => this.adopt(this.slots[i]!, child));
    this.restart = new RestartPolicy(options.restart);
    this.queue = new AttemptQueue(options.maxChunk, () => this.dispatch());
    host.signal.addEventListener(
      'abort',
      () => {
        for (const s of this.slots) s.child?.send({ t: 'cancel' });
      },
      { once: true },
    );
  }

  workers(): WorkerInfo[] {
    return this.slots.flatMap((s) => (s.child?.alive === true && s.child.workerId > 0 ? [{ id: s.child.workerId, pid: s.child.pid, busy: s.busy }] : []));
  }

  capacity(): number {
    return this.queue.capacity(this.host.stage.options.concurrency);
  }

  execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    assertCloneable(attempt.input, 'the input', this.where);
    return this.queue.add(attempt.input);
  }

  async produce(emit: (e: Emission) => Promise<void>): Promise<void> {
    const slot = this.slots[0]!;
    slot.busy = true;
    try {
      const child = await this.childFor(slot);
      await child.produce(emit);
    } finally {
      slot.busy = false;
    }
  }

  /**
   * One reader of a custom stage, in the child of a free slot (the runner starts `concurrency` readers, one
   * per slot). A child that dies ends its reader; the slot is then handled by the restart policy as usual.
   */
  async stream(input: StreamInput, emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void> {
    const slot = this.slots.find((s) => !s.busy && !s.lost);
    if (slot === undefined) throw new MinigunError(ErrorCodes.RUN_FAILED, `Stage "${this.where.stage}" has no free child for another reader.`, this.where);
    if (this.stopped !== undefined) throw this.stopped;
    slot.busy = true;
    try {
      const child = await this.childFor(slot);
      await child.stream(input, emit, signal);
    } finally {
      slot.busy = false;
    }
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    this.closed = true;
    this.queue.rejectAll(new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.where.stage}" was closed before this input ran.`, this.where));
    // A child that failed to start has nothing to stop (its error went to the inputs that waited for it).
    const children = await Promise.all(this.slots.map(async (s) => s.child ?? (await s.starting?.catch(() => undefined))));
    // keepAlive: after a clean run, the live children wait (unref'd) for the next run of the stage.
    if (this.options.warm !== undefined && mode === 'graceful' && this.stopped === undefined) {
      const kept: ChildWorker[] = [];
      for (const slot of this.slots) {
        const child = slot.child;
        slot.forget?.();
        if (child === undefined || !child.alive || child.exitRequested) continue;
        child.unref();
        kept.push(child);
      }
      this.options.warm.keep(this.warmKey, kept);
      await Promise.all(this.retiring);
      return;
    }
    await Promise.all([
      ...children.flatMap((c) => (c === undefined ? [] : [mode === 'force' ? c.kill() : c.shutdown(this.options.exitGraceMs)])),
      ...this.retiring,
    ]);
  }

  private get where(): { pipeline: string; stage: string } {
    return { pipeline: this.host.stage.pipeline, stage: this.host.stage.stage };
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.closed) return;
      if (slot.busy || slot.lost) continue;
      const idle = this.slots.filter((s) => !s.busy && !s.lost).length;
      // A child due for recycling after N inputs never gets a chunk that takes it past N.
      const budget = this.options.recycleAfter === undefined ? Infinity : this.options.recycleAfter - (slot.child?.alive ? slot.child.inputsDone : 0);
      void this.runChunk(slot, this.queue.take(idle, budget));
    }
  }

  private async runChunk(slot: Slot, batch: QueuedAttempt[]): Promise<void> {
    slot.busy = true;
    try {
      const child = await this.childFor(slot);
      let outcomes: InputOutcome[];
      const started = performance.now();
      try {
        outcomes = await child.runInputs(batch.map((p) => p.input));
      } finally {
        // A dead child has already left its slot (childGone).
        if (child.alive && this.stopped !== undefined) this.retire(slot, child);
        else if (child.alive) this.maybeRecycle(slot, child);
      }
      this.queue.settle(batch, outcomes, performance.now() - started, (o) => emissionsOf(this.host, o));
    } catch (error) {
      this.queue.fail(batch, error as Error);
    } finally {
      slot.busy = false;
      this.dispatch();
    }
  }

  /** The slot's child, started (beforeFork, fork, snapshot, afterFork) if it has none, or set up for this run if kept. */
  private childFor(slot: Slot): Promise<ChildWorker> {
    if (slot.child?.alive && slot.setUp) return Promise.resolve(slot.child);
    const kept = slot.child?.alive ? slot.child : undefined;
    slot.starting ??= (kept !== undefined ? this.setUpKept(kept) : this.startChild(slot)).then(
      (child) => {
        slot.child = child;
        slot.setUp = true;
        slot.starting = undefined;
        return child;
      },
      (error: unknown) => {
        slot.starting = undefined;
        throw error;
      },
    );
    return slot.starting;
  }

  /** A child kept from an earlier run (keepAlive): beforeFork, this run's state snapshot and afterFork, as a new one gets. */
  private async setUpKept(child: ChildWorker): Promise<ChildWorker> {
    if (this.closed) throw new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.where.stage}" was closed.`, this.where);
    const workerId = this.nextWorkerId++;
    const setup = await forkSetup(this.host, workerId);
    try {
      deliverHookReport(this.host, await child.setup(setup), workerId);
    } catch (error) {
      await child.kill();
      throw error;
    }
    return child;
  }

  /** Takes a kept child into `slot`: it counts for the process again, and its death is this run's to handle. */
  private adopt(slot: Slot, child: ChildWorker): void {
    child.ref();
    slot.child = child;
    slot.forget = child.whenGone(() => this.childGone(slot, child));
  }

  private async startChild(slot: Slot): Promise<ChildWorker> {
    if (this.closed) throw new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.where.stage}" was closed.`, this.where);
    const workerId = this.nextWorkerId++;
    const setup = await forkSetup(this.host, workerId);
    const child = new ChildWorker(this.options.launcher, this.where);
    slot.forget = child.whenGone(() => this.childGone(slot, child));
    try {
      deliverHookReport(this.host, await child.setup(setup), workerId);
    } catch (error) {
      await child.kill();
      throw error;
    }
    if (this.closed) {
      // The run ended while the child started: nothing may outlive close().
      await child.kill();
      throw new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.where.stage}" was closed.`, this.where);
    }
    return child;
  }

  /**
   * A child of `slot` exited. Asked for (recycling, the end of the run, a failed setup): nothing to decide.
   * Otherwise it died, and the restart policy says whether the slot gets another child, stays empty, or the
   * stage stops starting children. Runs before the inputs the child held fail, so their retries already
   * meet the decision.
   */
  private childGone(slot: Slot, child: ChildWorker): void {
    if (slot.child === child) slot.child = undefined;
    if (child.exitRequested || this.closed || this.stopped !== undefined) return;
    const verdict = this.restart.onDeath({ code: child.exitCode, signal: child.exitSignal });
    if (verdict === 'stop') this.stop(this.restart.limitReached(this.where, child.describeExit()));
    if (verdict !== 'leave-empty') return;
    slot.lost = true;
    if (this.slots.every((s) => s.lost)) this.stop(this.restart.noChildLeft(this.where, this.slots.length, child.describeExit()));
  }

  /** The policy gave up: inputs waiting and to come fail with `error`; idle children go now, busy ones after their chunk. */
  private stop(error: Error): void {
    this.stopped = error;
    this.queue.rejectAll(error);
    for (const slot of this.slots) if (!slot.busy && slot.child?.alive === true) this.retire(slot, slot.child);
  }

  private maybeRecycle(slot: Slot, child: ChildWorker): void {
    const { recycleAfter, maxRssMb } = this.options;
    const tooMany = recycleAfter !== undefined && child.inputsDone >= recycleAfter;
    const tooBig = maxRssMb !== undefined && child.rss > maxRssMb * 1024 * 1024;
    if (tooMany || tooBig) this.retire(slot, child);
  }

  /** Asks `slot`'s child to exit (not a death); close() waits for it. */
  private retire(slot: Slot, child: ChildWorker): void {
    slot.child = undefined;
    const retire = child.shutdown(this.options.exitGraceMs);
    this.retiring.add(retire);
    void retire.then(() => this.retiring.delete(retire));
  }
}
