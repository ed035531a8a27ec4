/**
 * The worker side: one process serves the `bullmq` stages of a pipeline module, one BullMQ Worker per
 * stage queue. It joins a run when it takes the run's first job (reads the setup stored once per run, gets
 * a worker id, runs afterFork), runs each job's inputs as separate attempts with the shared WorkerRuntime,
 * and sends the outcomes to the run's inbox. Runs come and go: one worker serves many, one after another
 * or at once.
 */
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCodes, MinigunError } from '@minigun/core';
import { WorkerRuntime, importPipelineModule, markMinigunWorker, serializeError, type InputOutcome, type PreparedStage } from '@minigun/core/toolkit';
import { createClient, describeConnection, type RedisConnection } from './connection.js';
import { fingerprintIn, moduleHref, stagesToServe } from './fingerprint.js';
import { bullmq } from './libraries.js';
import { eventsChannel, heartbeatKey, queueName, runKeys } from './names.js';
import { decode, encode, type InboxMessage, type JobData, type RunSetup } from './payload.js';
import { HEARTBEAT, INCR_IF_LIVE, PUSH_IF_LIVE } from './scripts.js';

export interface ServeOptions {
  /** The pipeline module (path or file URL), as on this machine. */
  readonly module: string;
  readonly connection: RedisConnection;
  readonly prefix?: string;
  /** Jobs run at once per stage in this process. Default 1. */
  readonly concurrency?: number;
  /** Serve only this pipeline (default: every exported pipeline). */
  readonly pipeline?: string;
  /** Serve these stages (default: the stages whose strategy is `bullmq`). */
  readonly stages?: readonly string[];
  /** BullMQ's job lock: a worker that does not renew it for this long counts as stalled. Default 30000. */
  readonly lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs. Default 30000. */
  readonly stalledIntervalMs?: number;
  /** Largest serialised outcome of one input sent back (bytes). Default 64 MiB. */
  readonly maxValueBytes?: number;
}

export interface ServedStage {
  readonly pipeline: string;
  readonly stage: string;
  readonly queue: string;
  /** Why this worker refuses the stage's jobs (the module lacks it), if it does. */
  readonly refusal?: string;
  /** The stage's code here, as a short hash (see fingerprint.ts); undefined when the module lacks the stage. */
  readonly fingerprint?: string;
}

export interface WorkerService {
  readonly served: readonly ServedStage[];
  /** Stops taking jobs, waits for the active ones (graceful) or not (force), and disconnects. */
  close(mode?: 'graceful' | 'force'): Promise<void>;
}

const HOST = hostname();

/** Imports the module and starts serving its stages. */
export async function serveStages(options: ServeOptions): Promise<WorkerService> {
  markMinigunWorker();
  const module = moduleHref(options.module);
  const prefix = options.prefix ?? 'minigun';
  // The connections open while the module is imported (connecting waits on the network, importing uses the CPU).
  const client = createClient(options.connection);
  const subscriber = createClient(options.connection);
  client.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  const subscribed = subscriber.subscribe(eventsChannel(prefix));
  subscribed.catch(() => undefined); // awaited below, unless the import fails first
  let services: StageService[];
  try {
    const exports = await importPipelineModule(module);
    const targets = stagesToServe(module, exports, options);
    services = await Promise.all(targets.map((t) => StageService.start(module, exports, t, client, options, prefix)));
    await subscribed;
  } catch (error) {
    subscriber.disconnect();
    client.disconnect();
    throw error;
  }
  subscriber.on('message', (_channel: string, text: string) => {
    let event: { t?: string; run?: string };
    try {
      event = JSON.parse(text) as typeof event;
    } catch {
      return;
    }
    if (typeof event.run !== 'string') return;
    for (const s of services) s.event(event.t === 'end' ? 'end' : 'cancel', event.run);
  });
  return {
    served: services.map((s) => s.served),
    async close(mode = 'graceful') {
      subscriber.disconnect();
      await Promise.all(services.map((s) => s.close(mode)));
      client.disconnect();
    },
  };
}

/** One stage queue served by this process. */
class StageService {
  private readonly runs = new Map<string, Promise<WorkerRuntime | undefined>>();
  /** Runs cancelled while this worker serves them: the inputs of their jobs not yet started are not run. */
  private readonly cancelled = new Set<string>();
  private worker!: Worker;
  private heartbeat!: NodeJS.Timeout;
  private readonly member = `${HOST}:${process.pid}`;
  private readonly heartbeatKey: string;

  private constructor(
    readonly served: ServedStage,
    private readonly prepared: PreparedStage | undefined,
    private readonly client: Redis,
    private readonly options: ServeOptions,
    private readonly prefix: string,
  ) {
    this.heartbeatKey = heartbeatKey(prefix, served.queue);
  }

  static async start(
    module: string,
    exports: Record<string, unknown>,
    target: { pipeline: string; stage: string },
    client: Redis,
    options: ServeOptions,
    prefix: string,
  ): Promise<StageService> {
    const queue = queueName(target.pipeline, target.stage);
    let prepared: PreparedStage | undefined;
    let refusal: string | undefined;
    try {
      prepared = await WorkerRuntime.prepare({ module, ...target });
    } catch (error) {
      refusal = (error as Error).message;
    }
    const fingerprint = fingerprintIn(exports, target.pipeline, target.stage);
    const service = new StageService({ ...target, queue, refusal, fingerprint }, prepared, client, options, prefix);
    const lockDuration = options.lockDurationMs ?? 30_000;
    const beat = (): void => {
      void client.eval(HEARTBEAT, 1, service.heartbeatKey, service.member, String(lockDuration)).catch(() => undefined);
      void service.forgetExpiredRuns();
    };
    beat();
    service.heartbeat = setInterval(beat, Math.max(100, Math.min(5000, Math.floor(lockDuration / 3))));
    service.heartbeat.unref();
    service.worker = new bullmq.Worker(queue, (job: Job<JobData>) => service.process(job), {
      connection: createClient(options.connection),
      prefix,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A stalled job is failed, not run again: the parent decides about retries (the stage's `retries`).
      maxStalledCount: 0,
    });
    service.worker.on('error', () => undefined);
    return service;
  }

  event(kind: 'cancel' | 'end', run: string): void {
    this.cancelled.delete(run);
    const rt = this.runs.get(run);
    if (rt === undefined) return;
    if (kind === 'cancel') this.cancelled.add(run);
    if (kind === 'end') this.runs.delete(run);
    void rt.then(
      async (r) => {
        r?.cancel();
        if (kind === 'end') await r?.close();
      },
      () => undefined,
    );
  }

  /**
   * A run whose parent died never sends 'end': once its setup has expired (runTtlMs), this worker forgets it
   * (closes its runtime), so that a long-lived worker keeps nothing of dead runs.
   */
  private async forgetExpiredRuns(): Promise<void> {
    if (this.runs.size === 0) return;
    const runs = [...this.runs.keys()];
    try {
      const multi = this.client.multi();
      for (const run of runs) multi.exists(runKeys(this.prefix, run).setup);
      const replies = (await multi.exec()) ?? [];
      runs.forEach((run, i) => {
        const [error, exists] = replies[i] ?? [];
        if (error === null && exists === 0) this.event('end', run);
      });
    } catch {
      // Redis unreachable: try again at the next heartbeat
    }
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    clearInterval(this.heartbeat);
    await this.worker.close(mode === 'force');
    await this.client.zrem(this.heartbeatKey, this.member).catch(() => undefined);
    for (const [run] of this.runs) this.event('end', run);
  }

  private async process(job: Job<JobData>): Promise<void> {
    const { run, fingerprints } = job.data;
    const keys = runKeys(this.prefix, run);
    const push = (m: InboxMessage): Promise<unknown> => this.client.eval(PUSH_IF_LIVE, 2, keys.setup, keys.inbox, encode(m));
    const id = job.id!;
    const inputs = (decode<Buffer[]>(Buffer.from(job.data.inputs, 'base64')) as Uint8Array[]).map((b) => decode(Buffer.from(b)));
    const refuse = (error: Error): Promise<unknown> =>
      push({ t: 'done', job: id, outcomes: inputs.map(() => ({ ok: false as const, error: serializeError(error) })) });
    const { pipeline, stage } = this.served;
    const where = `worker ${HOST} pid ${process.pid} (module ${this.options.module})`;
    if (this.prepared === undefined) {
      await refuse(new MinigunError(ErrorCodes.WORKER_SETUP, `The ${where} refuses the job: ${this.served.refusal}`, { pipeline, stage }));
      return;
    }
    const { fingerprint } = this.served;
    if (fingerprint === undefined || !fingerprints.includes(fingerprint)) {
      await refuse(
        new MinigunError(
          ErrorCodes.WORKER_SETUP,
          `The ${where} refuses the job: stage "${stage}" of pipeline "${pipeline}" has different code there (fingerprint ${fingerprint}) than in the run's parent (${fingerprints.join(' or ')}). Deploy the same version of the pipeline module to the parent and every worker.`,
          { pipeline, stage },
        ),
      );
      return;
    }
    let rt: WorkerRuntime | undefined;
    try {
      rt = await this.runtimeFor(run, push);
    } catch (error) {
      await refuse(error as Error);
      return;
    }
    if (rt === undefined) return; // the run is over (or its parent is gone): drop the job
    // The run's setup expires when its parent stops renewing it (the parent died): a job of such a run is
    // dropped, not run, and this worker forgets the run (its runtime is closed, nothing of it is kept).
    if (Number(await push({ t: 'started', job: id, host: HOST, pid: process.pid })) !== 1) {
      this.event('end', run);
      return;
    }
    const started = performance.now();
    // One by one, so that once the run is cancelled the rest of the job is not started.
    const outcomes: InputOutcome[] = [];
    for (const input of inputs) {
      if (this.cancelled.has(run)) outcomes.push({ ok: false, error: serializeError(this.cancelledError(run)) });
      else outcomes.push(...(await rt.runInputs([input])));
    }
    const delivered = await push({ t: 'done', job: id, outcomes: outcomes.map((o) => this.bounded(o)), ms: performance.now() - started });
    if (Number(delivered) !== 1) this.event('end', run); // the run ended (or its parent died) meanwhile
  }

  private cancelledError(run: string): Error {
    const { pipeline, stage } = this.served;
    return new MinigunError(ErrorCodes.CANCELLED, `Run ${run} of pipeline "${pipeline}" was cancelled before this input started.`, { pipeline, stage });
  }

  /** An outcome too big to send back fails its input instead (with what to do). */
  private bounded(outcome: InputOutcome): InputOutcome {
    if (!outcome.ok) return outcome;
    const limit = this.options.maxValueBytes ?? 64 * 1024 * 1024;
    const size = encode(outcome.emissions).length;
    if (size <= limit) return outcome;
    const { pipeline, stage } = this.served;
    return {
      ok: false,
      error: serializeError(
        new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `Stage "${stage}" of pipeline "${pipeline}": what one input emitted and collected is ${size} bytes once serialised, above the worker's limit of ${limit} (--max-value-bytes). Store large results elsewhere and emit a reference.`,
          { pipeline, stage },
        ),
      ),
    };
  }

  /** This worker's runtime for `run`: joins the run on its first job (undefined once the run is over). */
  private runtimeFor(run: string, push: (m: InboxMessage) => Promise<unknown>): Promise<WorkerRuntime | undefined> {
    let rt = this.runs.get(run);
    if (rt === undefined) {
      rt = this.join(run, push);
      this.runs.set(run, rt);
      rt.then(
        (r) => r === undefined && this.runs.delete(run),
        () => this.runs.delete(run),
      );
    }
    return rt;
  }

  private async join(run: string, push: (m: InboxMessage) => Promise<unknown>): Promise<WorkerRuntime | undefined> {
    const keys = runKeys(this.prefix, run);
    const bytes = await this.client.getBuffer(keys.setup);
    if (bytes === null) return undefined;
    const setup = decode<RunSetup>(bytes);
    const workerId = Number(await this.client.eval(INCR_IF_LIVE, 2, keys.setup, keys.workers));
    if (workerId === 0) return undefined;
    const rt = this.prepared!.start(
      { module: this.prepared!.target.module, pipeline: setup.pipeline, stage: setup.stage, workerId, state: setup.state, transport: setup.transport },
      0,
    );
    const hooks = await rt.afterFork();
    await push({ t: 'ready', workerId, host: HOST, pid: process.pid, hooks });
    return rt;
  }
}

/** The connection as shown in the worker's start-up lines. */
export { describeConnection };
