/**
 * One child process speaking the shared worker protocol: requests with their answers, and the child's
 * death turned into a clear error for whatever it held.
 */
import { ErrorCodes, MinigunError, type Emission, type StreamInput } from '@minigun/core';
import {
  ProducerFeed,
  StreamPump,
  deserializeError,
  type HookReport,
  type InputOutcome,
  type ParentMessage,
  type StageTarget,
  type WorkerMessage,
  type WorkerSetup,
} from '@minigun/core/toolkit';
import type { ChildHandle, ChildLauncher } from './launcher.js';

export interface Where {
  readonly pipeline: string;
  readonly stage: string;
}

export class ChildWorker {
  readonly process: ChildHandle;
  readonly exited: Promise<void>;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  alive = true;
  /** The worker id its setup gave it (`ctx.workerId` in the child); 0 until then. */
  workerId = 0;
  /** Inputs run since it started (for recycling). */
  inputsDone = 0;
  /** Resident memory the child reported after its last chunk, in bytes. */
  rss = 0;
  private readonly listeners = new Set<(m: WorkerMessage) => void>();
  /** What each pending request does when the child is gone: removed once answered, so nothing answered is kept. */
  private readonly onExit = new Set<() => void>();
  /** Told first when the process is gone, before the requests it held fail (see `whenGone`). */
  private readonly goneListeners = new Set<() => void>();
  /** Why the process could not be started at all (spawn EAGAIN, ENOENT, …): it then has no pid. */
  private spawnError: Error | undefined;
  private nextId = 1;
  private shutdownSent = false;
  private killSent = false;

  constructor(
    launcher: ChildLauncher,
    private readonly where: Where,
  ) {
    this.process = launcher.start();
    this.process.on('message', (m) => {
      for (const l of [...this.listeners]) l(m as WorkerMessage);
    });
    // 'error' must not crash the parent: a failed send to a dying child is told by its exit; a failed
    // spawn (no pid) is kept to say why the child never ran.
    this.process.on('error', (error) => {
      if (this.process.pid === undefined) this.spawnError ??= error;
    });
    // 'close' rather than 'exit': it comes after the IPC channel is drained, so no answer is lost.
    this.exited = new Promise<void>((resolve) => {
      this.process.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.alive = false;
        this.exitCode = code;
        this.exitSignal = signal;
        for (const listener of this.goneListeners) listener();
        for (const fail of [...this.onExit]) fail();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Whether the parent asked the child to go (shutdown or kill): its exit is then not a death. */
  get exitRequested(): boolean {
    return this.shutdownSent || this.killSent;
  }

  /**
   * Calls `listener` once the process is gone, before the requests it held fail: whoever keeps the child
   * learns of its death before the inputs it held are failed and handed back.
   */
  whenGone(listener: () => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /** keepAlive: an idle kept child (its process and IPC channel) does not keep the parent alive; `ref` undoes it. */
  unref(): void {
    this.process.unref?.();
    (this.process.channel as { unref?(): void } | null | undefined)?.unref?.();
  }

  ref(): void {
    this.process.ref?.();
    (this.process.channel as { ref?(): void } | null | undefined)?.ref?.();
  }

  send(message: ParentMessage): void {
    if (!this.alive || !this.process.connected) return;
    try {
      this.process.send(message);
    } catch {
      // the child is going away; its exit is reported to whoever waits on it
    }
  }

  async prepare(target: StageTarget): Promise<void> {
    this.send({ t: 'prepare', target });
    await this.expect((m) => (m.t === 'prepared' ? true : undefined), 'importing the pipeline module');
  }

  async setup(setup: WorkerSetup): Promise<HookReport> {
    this.workerId = setup.workerId;
    this.send({ t: 'setup', setup });
    return this.expect((m) => (m.t === 'ready' ? m.hooks : undefined), 'starting');
  }

  async runInputs(inputs: unknown[]): Promise<InputOutcome[]> {
    const id = this.nextId++;
    this.send({ t: 'inputs', id, inputs });
    const outcomes = await this.expect((m) => {
      if (m.t !== 'results' || m.id !== id) return undefined;
      this.rss = m.rss ?? 0;
      return m.outcomes;
    }, `running ${inputs.length} input(s)`);
    this.inputsDone += inputs.length;
    return outcomes;
  }

  /** Runs the producer in the child; each emission is acknowledged (credit) once `emit` accepted it. */
  async produce(emit: (e: Emission) => Promise<void>): Promise<void> {
    const id = this.nextId++;
    const feed = new ProducerFeed(emit, (n) => this.send({ t: 'credit', id, n }));
    const onEmission = (m: WorkerMessage): void => {
      if (m.t === 'emission' && m.id === id) feed.push(m.emission);
    };
    this.listeners.add(onEmission);
    try {
      this.send({ t: 'produce', id });
      // IPC keeps order: every emission arrived before 'produced'.
      const produced = await feed.settle(this.expect((m) => (m.t === 'produced' && m.id === id ? { error: m.error } : undefined), 'producing'));
      if (produced.error !== undefined) throw deserializeError(produced.error);
    } finally {
      this.listeners.delete(onEmission);
    }
  }

  /**
   * Runs one reader of a custom stage in the child: its items go out as the pump sends them, its reads and
   * emissions come back in order (IPC keeps it), and the child's death fails the item it held.
   */
  async stream(input: StreamInput, emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void> {
    const id = this.nextId++;
    const pump = new StreamPump(
      input,
      { item: (item) => this.send({ t: 'item', id, item }), end: () => this.send({ t: 'end', id }), credit: (n) => this.send({ t: 'credit', id, n }) },
      emit,
      signal,
      this.where,
    );
    const onMessage = (m: WorkerMessage): void => {
      if (m.t === 'emission' && m.id === id) pump.emission(m.emission);
      else if (m.t === 'read' && m.id === id) pump.read(m.released, m.took);
    };
    this.listeners.add(onMessage);
    // A child that started after the run was cancelled missed the executor's 'cancel': tell it here, ahead of
    // the end of input the cancellation causes (IPC keeps the order), so ctx.signal has aborted by then.
    const cancel = (): void => this.send({ t: 'cancel' });
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    try {
      this.send({ t: 'stream', id });
      await pump.run(
        this.expect(
          (m) => (m.t === 'streamed' && m.id === id ? { error: m.error === undefined ? undefined : deserializeError(m.error) } : undefined),
          'it ran a reader of this custom stage (its unread items go back to the queue)',
        ),
      );
    } finally {
      signal.removeEventListener('abort', cancel);
      this.listeners.delete(onMessage);
    }
  }

  /**
   * Asks the child to finish once it has answered what it was sent (messages are handled in order), without
   * waiting; `shutdown` then waits for the exit.
   */
  requestShutdown(): void {
    if (this.shutdownSent) return;
    this.shutdownSent = true;
    this.send({ t: 'shutdown' });
  }

  /** Asks the child to finish; kills it if it has not exited after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.requestShutdown();
    await this.exitWithin(graceMs);
  }

  /** Kills the child (SIGKILL unless told otherwise) and waits for its exit, bounded. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    this.killSent = true;
    this.process.kill(signal);
    await this.exitWithin(2000);
  }

  private async exitWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms)))]);
    clearTimeout(timer);
    if (timedOut && this.alive) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
  }

  /** What killed the child, for error messages. */
  describeExit(): string {
    if (this.spawnError !== undefined) return `could not be started (${this.spawnError.message}; too many processes, or a bad launcher?)`;
    if (this.process.exitReason !== undefined) return `ended when ${this.process.exitReason}`;
    if (this.exitSignal !== null) return `was killed by ${this.exitSignal}${this.exitSignal === 'SIGABRT' ? ' (out of memory?)' : ''}`;
    if (this.exitCode === 134) return 'exited with code 134 (out of memory?)';
    return `exited with code ${this.exitCode}`;
  }

  /** The error for a request the child can no longer answer. */
  private died(doing: string): MinigunError {
    const who = this.process.pid === undefined ? 'A child process' : `Child process ${this.process.pid}`;
    return new MinigunError(
      ErrorCodes.WORKER_DIED,
      `${who} of stage "${this.where.stage}" (pipeline "${this.where.pipeline}") ${this.describeExit()} while ${doing}.`,
      { ...this.where, cause: this.spawnError },
    );
  }

  /** Waits for the first message `pick` accepts; fails on the child's `fatal` or its exit. */
  private expect<T>(pick: (m: WorkerMessage) => T | undefined, doing: string): Promise<T> {
    if (!this.alive) return Promise.reject(this.died(doing));
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        this.listeners.delete(listener);
        this.onExit.delete(onExit);
      };
      const listener = (m: WorkerMessage): void => {
        if (m.t === 'fatal') {
          done();
          reject(deserializeError(m.error));
          return;
        }
        const value = pick(m);
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const onExit = (): void => {
        done();
        reject(this.died(doing));
      };
      this.listeners.add(listener);
      this.onExit.add(onExit);
    });
  }
}
