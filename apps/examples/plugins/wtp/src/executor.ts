/**
 * The parent side of the `wtp` strategy: one node-worker-threads-pool StaticPool per stage and run, one
 * input per task. It uses only the public plugin API of @minigun/core and the toolkit helpers:
 * - `forkSetup(host, workerId)`: beforeFork in the parent, then the state snapshot, for a worker that starts;
 * - `deliverHookReport`: what a worker's afterFork collected or threw;
 * - `emissionsOf`: an outcome's emissions, read back through the stage's transport when it has one;
 * - `assertCloneable` / `deserializeError`: clear errors for values that cannot cross, errors that keep their class.
 * The pool picks the worker for a task, so a worker asks for its setup (`needsSetup`) the first time it gets one.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { StaticPool } from 'node-worker-threads-pool';
import { ErrorCodes, MinigunError, type Attempt, type Emission, type StageExecutor, type StrategyHost } from '@minigun/core';
import { ProducerFeed, assertCloneable, deliverHookReport, deserializeError, emissionsOf, forkSetup, type WorkerSetup } from '@minigun/core/toolkit';
import type { PortMessage, WtpReply, WtpTask } from './messages.js';

const WORKER_FILE = fileURLToPath(new URL('../worker.mjs', import.meta.url));

export interface WtpExecutorOptions {
  /** Memory limits for each worker thread. */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
}

type RunTask = (task: WtpTask) => WtpReply;

export class WtpExecutor implements StageExecutor {
  private readonly key = randomUUID();
  private readonly pool: StaticPool<RunTask>;
  private readonly cancelChannel: BroadcastChannel;
  /** Setups made for a worker that then turned out to be set up already (the pool gave the task to another). */
  private readonly spare: WorkerSetup[] = [];
  /** Tasks in flight: rejected when the executor closes (the pool would leave them pending). */
  private readonly inFlight = new Set<(error: Error) => void>();
  private nextWorkerId = 1;
  private closed = false;

  constructor(
    private readonly host: StrategyHost,
    options: WtpExecutorOptions,
  ) {
    this.pool = new StaticPool<RunTask>({ size: host.stage.options.concurrency, task: WORKER_FILE, resourceLimits: options.resourceLimits });
    this.cancelChannel = new BroadcastChannel(`minigun-wtp:${this.key}`);
    this.cancelChannel.unref();
    host.signal.addEventListener('abort', () => this.closed || this.cancelChannel.postMessage({ t: 'cancel' }), { once: true });
  }

  async execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>> {
    // A value that cannot cross fails this input with the path of the offending value.
    assertCloneable(attempt.input, 'the input', this.where);
    let setup: WorkerSetup | undefined;
    for (let tries = 0; tries < 3; tries++) {
      const reply = await this.run({ key: this.key, setup, message: { t: 'input', input: attempt.input } });
      if (reply.t === 'needsSetup') {
        setup = await this.setupFor();
        continue;
      }
      this.settleSetup(setup, reply);
      if (reply.t === 'fatal') throw deserializeError(reply.error);
      if (reply.t !== 'result') throw this.protocolError(reply.t);
      if (!reply.outcome.ok) throw deserializeError(reply.outcome.error);
      return emissionsOf(this.host, reply.outcome);
    }
    throw new MinigunError(
      ErrorCodes.RUN_FAILED,
      `Stage "${this.host.stage.stage}" (pipeline "${this.host.stage.pipeline}", strategy wtp): a worker kept asking for its setup. This is a bug of the wtp plugin.`,
      this.where,
    );
  }

  async produce(emit: (e: Emission) => Promise<void>): Promise<void> {
    // The port is transferred with the task, so the task cannot be sent twice: bring a setup along at once.
    const setup = await this.setupFor();
    const { port1, port2 } = new MessageChannel();
    // Delivers in order; each accepted emission gives the worker one more credit (backpressure).
    const feed = new ProducerFeed(emit, (n) => port1.postMessage({ t: 'credit', n } satisfies PortMessage));
    const onMessage = (m: PortMessage): void => {
      if (m.t === 'emission') feed.push(m.emission);
    };
    port1.on('message', onMessage);
    try {
      const reply = await feed.settle(
        this.run({ key: this.key, setup, message: { t: 'produce' }, port: port2 }, port2).then((r) => {
          // Emissions still on their way when the reply arrived (another channel): take them now.
          for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) onMessage(m.message as PortMessage);
          return r;
        }),
      );
      this.settleSetup(setup, reply);
      if (reply.t === 'fatal') throw deserializeError(reply.error);
      if (reply.t !== 'produced') throw this.protocolError(reply.t);
      if (reply.error !== undefined) throw deserializeError(reply.error);
      if (feed.count !== reply.emitted)
        throw new MinigunError(
          ErrorCodes.RUN_FAILED,
          `Producer "${this.host.stage.stage}" (strategy wtp) sent ${reply.emitted} items but ${feed.count} arrived.`,
          this.where,
        );
    } finally {
      port1.close();
    }
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelChannel.close();
    const error = new MinigunError(
      ErrorCodes.CANCELLED,
      `Stage "${this.host.stage.stage}" (strategy wtp) was closed (${mode}) while this input ran.`,
      this.where,
    );
    for (const reject of this.inFlight) reject(error);
    this.inFlight.clear();
    await this.pool.destroy();
  }

  private get where(): { pipeline: string; stage: string } {
    return { pipeline: this.host.stage.pipeline, stage: this.host.stage.stage };
  }

  /** A setup for a worker that starts: a spare one, or beforeFork + a fresh state snapshot. */
  private async setupFor(): Promise<WorkerSetup> {
    return this.spare.pop() ?? (await forkSetup(this.host, this.nextWorkerId++));
  }

  /** Delivers a new worker's afterFork report; keeps a setup the worker did not need for the next one. */
  private settleSetup(setup: WorkerSetup | undefined, reply: WtpReply): void {
    const ready = reply.t === 'needsSetup' ? undefined : reply.ready;
    if (ready !== undefined) deliverHookReport(this.host, ready.hooks, ready.workerId);
    else if (setup !== undefined && reply.t !== 'fatal') this.spare.push(setup);
  }

  /** Runs one pool task; it rejects when the executor closes first. */
  private run(task: WtpTask, transfer?: MessagePort): Promise<WtpReply> {
    if (this.closed) return Promise.reject(new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.host.stage.stage}" (strategy wtp) is closed.`, this.where));
    return new Promise<WtpReply>((resolve, reject) => {
      this.inFlight.add(reject);
      const settle = (): boolean => this.inFlight.delete(reject);
      const exec = transfer === undefined ? this.pool.exec(task) : this.pool.createExecutor().setTransferList([transfer]).exec(task);
      exec.then(
        (reply) => settle() && resolve(reply),
        (error: unknown) => settle() && reject(this.workerError(error)),
      );
    });
  }

  private workerError(error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    return new MinigunError(
      ErrorCodes.WORKER_DIED,
      `A worker thread of stage "${this.host.stage.stage}" (pipeline "${this.host.stage.pipeline}", strategy wtp) failed: ${message}. The pool replaces it; the input fails or is retried.`,
      { ...this.where, cause: error },
    );
  }

  private protocolError(t: string): Error {
    return new MinigunError(
      ErrorCodes.RUN_FAILED,
      `Stage "${this.host.stage.stage}" (strategy wtp): a worker answered "${t}" where it should not. This is a bug of the wtp plugin.`,
      this.where,
    );
  }
}
