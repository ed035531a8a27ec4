/**
 * One child process speaking the shared worker protocol: requests with their answers, and the child's
 * death turned into a clear error for whatever it held.
 */
import type { ChildProcess } from 'node:child_process';
import { ErrorCodes, MinigunError, type Emission } from '@minigun/core';
import {
  deserializeError,
  type HookReport,
  type InputOutcome,
  type ParentMessage,
  type StageTarget,
  type WorkerMessage,
  type WorkerSetup,
} from '@minigun/core/toolkit';
import type { ChildLauncher } from './launcher.js';

export interface Where {
  readonly pipeline: string;
  readonly stage: string;
}

export class ChildWorker {
  readonly process: ChildProcess;
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
  private nextId = 1;
  private shutdownSent = false;

  constructor(
    launcher: ChildLauncher,
    private readonly where: Where,
  ) {
    this.process = launcher.start();
    this.process.on('message', (m) => {
      for (const l of [...this.listeners]) l(m as WorkerMessage);
    });
    // 'error' (e.g. a failed send to a dying child) must not crash the parent; 'exit' tells what happened.
    this.process.on('error', () => undefined);
    // 'close' rather than 'exit': it comes after the IPC channel is drained, so no answer is lost.
    this.exited = new Promise<void>((resolve) => {
      this.process.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.alive = false;
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
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
    let chain: Promise<void> = Promise.resolve();
    const onEmission = (m: WorkerMessage): void => {
      if (m.t !== 'emission' || m.id !== id) return;
      chain = chain.then(() => emit(m.emission)).then(() => this.send({ t: 'credit', id, n: 1 }));
    };
    this.listeners.add(onEmission);
    try {
      this.send({ t: 'produce', id });
      const error = await this.expect((m) => (m.t === 'produced' && m.id === id ? { error: m.error } : undefined), 'producing');
      // IPC keeps order: every emission arrived before 'produced'.
      await chain;
      if (error.error !== undefined) throw deserializeError(error.error);
    } finally {
      this.listeners.delete(onEmission);
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
    if (this.exitSignal !== null) return `was killed by ${this.exitSignal}${this.exitSignal === 'SIGABRT' ? ' (out of memory?)' : ''}`;
    if (this.exitCode === 134) return 'exited with code 134 (out of memory?)';
    return `exited with code ${this.exitCode}`;
  }

  /** Waits for the first message `pick` accepts; fails on the child's `fatal` or its exit. */
  private expect<T>(pick: (m: WorkerMessage) => T | undefined, doing: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        this.listeners.delete(listener);
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
      this.listeners.add(listener);
      void this.exited.then(() => {
        if (!this.listeners.has(listener)) return;
        done();
        reject(
          new MinigunError(
            ErrorCodes.WORKER_DIED,
            `Child process ${this.pid} of stage "${this.where.stage}" (pipeline "${this.where.pipeline}") ${this.describeExit()} while ${doing}.`,
            this.where,
          ),
        );
      });
    });
  }
}
