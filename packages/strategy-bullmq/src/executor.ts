/**
 * The parent side of one `bullmq` stage in one run. It stores the run's setup once (state snapshot after
 * beforeFork), sends the inputs as BullMQ jobs — several per job when the queue is deep (adaptive chunking),
 * at most `concurrency` jobs waiting or active at once — reads every job's outcome from the run's inbox,
 * and settles each input once, from the first outcome of its job (a late or repeated one is ignored).
 * A watchdog fails jobs whose worker died or stalled, and all jobs when no worker serves the stage.
 */
import { randomUUID } from 'node:crypto';
import { serialize } from 'node:v8';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCodes, MinigunError, type Attempt, type Emission, type StageExecutor, type StrategyHost, type WorkerInfo } from '@minigun/core';
import { AttemptQueue, assertCloneable, deliverHookReport, emissionsOf, forkSetup, type QueuedAttempt } from '@minigun/core/toolkit';
import { createClient, describeConnection, preflight, type RedisConnection } from './connection.js';
import { localFingerprint, type ParentFingerprints } from './fingerprint.js';
import { LocalWorkers } from './local-workers.js';
import { heartbeatKey, eventsChannel, queueName, runKeys } from './names.js';
import { decode, encode, type InboxMessage, type JobData, type RunSetup } from './payload.js';
import { bullmq } from './libraries.js';
import { LIVE_WORKERS } from './scripts.js';

/**
 * The work one job should carry, in ms. A job pays several Redis round trips and process wake-ups on the way
 * from the parent to a worker and back (about 10 ms on a loaded 2-core machine, where a pipe message costs a
 * fraction of one), so inputs of a few ms go several to a job: about 50 ms of work keeps that cost under a
 * fifth, and leaves workers at most about 50 ms apart at the end of a run. Inputs that take longer go one per job.
 */
const JOB_MS = 50;

export interface BullmqExecutorOptions {
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly maxChunk: number;
  readonly localWorkers: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly runTtlMs: number;
  readonly noWorkerTimeoutMs: number;
  readonly redisLostMs: number;
  readonly exitGraceMs: number;
  readonly maxValueBytes: number;
  readonly allowEviction: boolean;
  /** The strategy instance's fingerprints of the parent's stage code (computed once each). */
  readonly fingerprints: ParentFingerprints;
}

/** A job sent and not yet settled. */
interface SentJob {
  readonly id: string;
  readonly chunk: QueuedAttempt[];
  readonly sentAt: number;
  /** The worker that took it (from its 'started' message). */
  worker?: { readonly host: string; readonly pid: number };
  /** When the watchdog first saw it without a live worker (lock gone, or job gone without an outcome). */
  suspectSince?: number;
}

export class BullmqExecutor implements StageExecutor {
  private readonly run = randomUUID();
  private readonly keys: ReturnType<typeof runKeys>;
  private readonly queueName: string;
  private readonly queue: AttemptQueue;
  private readonly sent = new Map<string, SentJob>();
  private readonly joined = new Map<number, WorkerInfo>();
  /** Per worker process that joined the run (`host:pid`): where it runs and the inputs whose outcome it sent. */
  private readonly served = new Map<string, { host: string; pid: number; workerId: number; jobs: number; inputs: number }>();
  private nextJob = 1;
  private closed = false;
  private stopped = false;
  /** Set when Redis was lost: every input fails with it from then on. */
  private broken: Error | undefined;
  /** Redis was unreachable for longer than redisLostMs: close() does not try to clean up there. */
  private redisLost = false;
  private redisLostSince: number | undefined;
  private noWorkerSince: number | undefined;
  private ticking = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private local: LocalWorkers | undefined;
  private readonly client: Redis;
  private readonly reader: Redis;
  private readonly jobs: Queue;
  private readonly ttlMs: number;
  /** The run's setup in Redis: stored when the first input is sent (after the stage's `before`, like a worker start elsewhere). */
  private setupStored: 'no' | 'storing' | 'yes' = 'no';
  /** Why the setup could not be stored (a throwing beforeFork, a state that cannot be cloned, Redis): every input fails with it. */
  private setupError: Error | undefined;

  private constructor(
    private readonly host: StrategyHost,
    private readonly options: BullmqExecutorOptions,
    private readonly fingerprints: readonly string[],
    clients: { readonly client: Redis; readonly reader: Redis },
  ) {
    const { pipeline, stage } = host.stage;
    this.keys = runKeys(options.prefix, this.run);
    this.queueName = queueName(pipeline, stage);
    this.ttlMs = options.runTtlMs;
    this.queue = new AttemptQueue(options.maxChunk, () => this.dispatch(), JOB_MS);
    this.client = clients.client;
    this.reader = clients.reader;
    for (const c of [this.client, this.reader]) {
      c.on('close', () => (this.redisLostSince ??= Date.now()));
      c.on('ready', () => (this.redisLostSince = undefined));
    }
    this.jobs = new bullmq.Queue(this.queueName, { connection: this.client, prefix: options.prefix });
    this.jobs.on('error', () => undefined);
    host.signal.addEventListener('abort', () => void this.cancel(), { once: true });
  }

  /**
   * Starts local workers, checks Redis and the module, and starts the inbox reader (the run's setup is stored
   * with the first input). Local workers are started first: their start-up (a Node process importing BullMQ
   * and the pipeline module) is the longest part of opening, and overlaps the checks this way. If a check
   * fails they are stopped before the error is thrown.
   */
  static async open(host: StrategyHost, options: BullmqExecutorOptions): Promise<BullmqExecutor> {
    const { pipeline, stage, module, sourceModule = module } = host.stage;
    const where = { pipeline, stage };
    const opened: { executor?: BullmqExecutor } = {};
    /** Local workers that died before the executor existed: reported once it does (not if open fails). */
    const earlyDeaths: Array<[number | undefined, string]> = [];
    const reportDeath = (pid: number | undefined, how: string): void => {
      host.reportError(
        new MinigunError(
          ErrorCodes.WORKER_DIED,
          `A local bullmq worker (pid ${pid}) of stage "${stage}" (pipeline "${pipeline}") ${how}; the jobs it held fail or are retried once their lock expires.`,
          where,
        ),
      );
    };
    const local =
      options.localWorkers > 0
        ? new LocalWorkers(
            options.localWorkers,
            {
              module: module!,
              pipeline,
              stage,
              connection: options.connection,
              prefix: options.prefix,
              concurrency: Math.ceil(host.stage.options.concurrency / options.localWorkers),
              lockDurationMs: options.lockDurationMs,
              stalledIntervalMs: options.stalledIntervalMs,
            },
            (pid, how) => {
              if (opened.executor === undefined) earlyDeaths.push([pid, how]);
              else if (!opened.executor.closed) reportDeath(pid, how);
            },
          )
        : undefined;
    // The Redis checks and the fingerprints run at once; a Redis error is reported before a module error, as
    // when they ran one after the other. Local workers report the fingerprint of the module they import (the
    // parent then imports it in no thread of its own: on a short run that thread competes with the workers'
    // start for the CPU); otherwise a thread of the parent imports it, once per strategy instance. Remote
    // workers import their copy of the module as written (a .ts file through tsx), local workers what the run
    // compiled from it: function sources differ between the two, so a job accepts both.
    // The run's connections open meanwhile (closed unused if a check fails).
    const clients = { client: createClient(options.connection), reader: createClient(options.connection) };
    for (const c of [clients.client, clients.reader]) c.on('error', () => undefined); // a lost connection is handled by the executor's watch
    const printed: Array<Promise<string>> = [];
    if (local === undefined || module !== sourceModule) printed.push(options.fingerprints.get(sourceModule!, pipeline, stage));
    if (local !== undefined) printed.push(localFingerprint(local.fingerprint, module!, pipeline, stage));
    else if (module !== sourceModule) printed.push(options.fingerprints.get(module!, pipeline, stage));
    const [checked, ...prints] = await Promise.allSettled([
      preflight(options.connection, { timeoutMs: 5000, allowEviction: options.allowEviction, where }),
      ...printed,
    ]);
    const failed = [checked, ...prints].find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      clients.client.disconnect();
      clients.reader.disconnect();
      await local?.stop(0);
      throw failed.reason;
    }
    const fingerprints = prints.map((r) => (r as PromiseFulfilledResult<string>).value);
    const executor = new BullmqExecutor(host, options, [...new Set(fingerprints)], clients);
    opened.executor = executor;
    executor.local = local;
    for (const [pid, how] of earlyDeaths) reportDeath(pid, how);
    void executor.readInbox();
    executor.timers.push(setInterval(() => void executor.tick(), options.stalledIntervalMs));
    executor.timers.push(setInterval(() => executor.watchRedis(), Math.min(500, options.redisLostMs)));
    for (const t of executor.timers) t.unref();
    return executor;
  }

  capacity(): number {
    return this.queue.capacity(this.host.stage.options.concurrency);
  }

  execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.setupError !== undefined) return Promise.reject(this.setupError);
    assertCloneable(attempt.input, 'the input', this.where);
    const bytes = serialize(attempt.input);
    if (bytes.length > this.options.maxValueBytes) {
      return Promise.reject(
        new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `Stage "${this.where.stage}" of pipeline "${this.where.pipeline}": the input is ${bytes.length} bytes once serialised, above the bullmq strategy's limit of ${this.options.maxValueBytes} (maxValueBytes). Pass a reference (a key, a path, a URL) instead of the value, or raise maxValueBytes.`,
          this.where,
        ),
      );
    }
    return this.queue.add(bytes);
  }

  workers(): WorkerInfo[] {
    return [...this.joined.values()];
  }

  /** `stats.stages[name].strategyDetails`: the stage's queue and the worker processes that served the run. */
  details(): Readonly<Record<string, unknown>> {
    return { queue: this.queueName, prefix: this.options.prefix, workers: [...this.served.values()].map((w) => ({ ...w })) };
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    const cancelled = new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.where.stage}" was closed before this input ran.`, this.where);
    this.queue.rejectAll(cancelled);
    const leftover = [...this.sent.values()];
    this.sent.clear();
    for (const job of leftover) this.queue.fail(job.chunk, cancelled);
    if (this.redisLost) {
      await this.local?.stop(0);
      await this.shutdownClients();
      return;
    }
    // Commands wait while Redis is unreachable (BullMQ's connections retry forever): a Redis that went away
    // at the very end must not hang the run's end, so the clean-up gets redisLostMs (and the stop grace).
    let timer: NodeJS.Timeout | undefined;
    const limit = this.options.redisLostMs + this.options.exitGraceMs;
    try {
      await Promise.race([this.cleanUp(mode), new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]);
    } finally {
      clearTimeout(timer);
      await this.local?.stop(0);
      await this.shutdownClients();
    }
  }

  /** Ends the run in Redis: workers hear of it, local workers stop, and no key of the run is left. */
  private async cleanUp(mode: 'graceful' | 'force'): Promise<void> {
    await this.client.publish(eventsChannel(this.options.prefix), JSON.stringify({ t: 'end', run: this.run }));
    await this.local?.stop(mode === 'force' ? Math.min(1000, this.options.exitGraceMs) : this.options.exitGraceMs);
    // Every job of the run still in Redis: not only those unsettled, also those whose outcome arrived but
    // whose worker died before BullMQ finished them. A job whose lock has expired (its worker is gone) is
    // removed; one still locked is held by a worker, which removes it when it finishes (removeOnComplete) —
    // unless it was a local worker, stopped by now: then nobody will, and its lock is released here.
    const mine = (await this.jobs.getRanges(['active', 'wait', 'prioritized', 'delayed', 'completed', 'failed'], 0, -1)).filter((id) =>
      id.startsWith(`${this.run}.`),
    );
    const locked = await this.removeJobs([...new Set(mine)]);
    if (this.local !== undefined && locked.length > 0) {
      for (const id of locked) await this.client.del(`${this.jobs.toKey(id)}:lock`);
      await this.removeJobs(locked);
    }
    await this.client.del(this.keys.setup, this.keys.inbox, this.keys.workers);
  }

  private get where(): { pipeline: string; stage: string } {
    return { pipeline: this.host.stage.pipeline, stage: this.host.stage.stage };
  }

  /** Sends queued inputs as jobs while fewer than `concurrency` jobs are out. */
  private dispatch(): void {
    if (this.closed || this.broken !== undefined) return;
    if (this.setupError !== undefined) return this.queue.rejectAll(this.setupError);
    if (this.setupStored !== 'yes') {
      if (this.setupStored === 'no' && this.queue.length > 0) void this.storeSetup();
      return;
    }
    const bound = this.host.stage.options.concurrency;
    const batch: SentJob[] = [];
    while (this.queue.length > 0 && this.sent.size < bound) {
      const chunk = this.queue.take(bound - this.sent.size);
      const job: SentJob = { id: `${this.run}.${this.nextJob++}`, chunk, sentAt: performance.now() };
      this.sent.set(job.id, job);
      batch.push(job);
    }
    if (batch.length === 0) return;
    const jobs = batch.map((job) => {
      const data: JobData = { run: this.run, fingerprints: this.fingerprints, inputs: encode(job.chunk.map((a) => a.input)).toString('base64') };
      return { name: this.where.stage, data, opts: { jobId: job.id, attempts: 1, removeOnComplete: true, removeOnFail: true } };
    });
    this.jobs.addBulk(jobs).catch((error: unknown) => {
      const failure = new MinigunError(
        ErrorCodes.REDIS,
        `Could not add jobs to Redis at ${describeConnection(this.options.connection)}: ${(error as Error).message}`,
        {
          ...this.where,
          cause: error,
        },
      );
      for (const job of batch) this.settleFailed(job, failure);
    });
  }

  /**
   * beforeFork once, in the parent, when the stage sends its first input (so after every `before` hook, as
   * other isolated strategies run it when a worker starts); the state snapshot that follows is stored once per
   * run, not per job. Then the waiting inputs go out.
   */
  private async storeSetup(): Promise<void> {
    this.setupStored = 'storing';
    const { pipeline, stage } = this.where;
    try {
      const { state, transport } = await forkSetup(this.host, 0);
      const setup: RunSetup = { pipeline, stage, state, transport };
      await this.client.set(this.keys.setup, encode(setup), 'PX', this.ttlMs).catch((error: unknown) => {
        throw new MinigunError(
          ErrorCodes.REDIS,
          `Could not store the run's setup of stage "${stage}" (pipeline "${pipeline}") in Redis at ${describeConnection(this.options.connection)}: ${(error as Error).message}. Its inputs fail; check that Redis is reachable and has memory left (maxmemory).`,
          { pipeline, stage, cause: error },
        );
      });
      this.setupStored = 'yes';
    } catch (error) {
      this.setupError = error as Error;
    }
    this.dispatch();
  }

  /** Reads workers' messages from the run's inbox until the executor stops. */
  private async readInbox(): Promise<void> {
    while (!this.stopped) {
      let reply: [Buffer, Buffer] | null;
      try {
        reply = await this.reader.blpopBuffer(this.keys.inbox, 1);
      } catch {
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (reply !== null) this.receive(decode<InboxMessage>(reply[1]));
    }
  }

  private receive(m: InboxMessage): void {
    switch (m.t) {
      case 'started': {
        const job = this.sent.get(m.job);
        if (job !== undefined) job.worker = { host: m.host, pid: m.pid };
        return;
      }
      case 'ready':
        this.joined.set(m.workerId, { id: m.workerId, pid: m.pid, busy: false });
        this.served.set(`${m.host}:${m.pid}`, { host: m.host, pid: m.pid, workerId: m.workerId, jobs: 0, inputs: 0 });
        deliverHookReport(this.host, m.hooks, m.workerId);
        return;
      case 'done': {
        const job = this.sent.get(m.job);
        if (job === undefined) return; // already settled (failed by the watchdog, or cancelled): ignored
        this.sent.delete(m.job);
        const by = job.worker === undefined ? undefined : this.served.get(`${job.worker.host}:${job.worker.pid}`);
        if (by !== undefined) {
          by.jobs++;
          by.inputs += job.chunk.length;
        }
        this.queue.settle(job.chunk, m.outcomes, m.ms ?? performance.now() - job.sentAt, (o) => emissionsOf(this.host, o));
        this.dispatch();
        return;
      }
    }
  }

  private settleFailed(job: SentJob, error: Error): void {
    if (this.sent.get(job.id) !== job) return;
    this.sent.delete(job.id);
    this.queue.fail(job.chunk, error);
    this.dispatch();
  }

  /**
   * The watchdog, every stalledIntervalMs: keeps the run's keys alive, fails jobs whose worker stopped
   * renewing their lock (or that vanished without an outcome) for a whole interval, and fails waiting jobs
   * once no worker has served the stage for noWorkerTimeoutMs.
   */
  private async tick(): Promise<void> {
    if (this.ticking || this.closed || this.broken !== undefined || this.redisLostSince !== undefined) return;
    this.ticking = true;
    try {
      const jobs = [...this.sent.values()];
      const stored = this.setupStored === 'yes';
      const multi = this.client.multi().pexpire(this.keys.setup, this.ttlMs).pexpire(this.keys.inbox, this.ttlMs).pexpire(this.keys.workers, this.ttlMs);
      for (const job of jobs) {
        const key = this.jobs.toKey(job.id);
        multi.exists(key).exists(`${key}:lock`).hget(key, 'processedOn');
      }
      multi.eval(LIVE_WORKERS, 1, heartbeatKey(this.options.prefix, this.queueName));
      const replies = (await multi.exec()) ?? [];
      if (stored && replies[0]?.[0] === null && replies[0][1] === 0 && !this.closed && this.broken === undefined) {
        // The run's setup vanished while the parent lives: Redis restarted without persistence, or the key was
        // deleted or evicted. Workers drop the run's jobs from then on, so nothing more can complete.
        this.breakWith(
          new MinigunError(
            ErrorCodes.REDIS,
            `The keys of this run of stage "${this.where.stage}" (pipeline "${this.where.pipeline}") vanished from Redis at ${describeConnection(this.options.connection)} (Redis restarted without persistence, or they were deleted or evicted): workers no longer take its jobs, so its inputs in flight and to come fail. Run it again; keep Redis with maxmemory-policy noeviction and do not delete keys under the "${this.options.prefix}" prefix during runs.`,
            this.where,
          ),
        );
        await this.removeJobs(jobs.map((j) => j.id)).catch(() => undefined);
        return;
      }
      const now = Date.now();
      jobs.forEach((job, i) => {
        const [exists, locked, processedOn] = replies.slice(3 + 3 * i, 6 + 3 * i).map((r) => r[1]);
        const lost = exists === 0 || (processedOn !== null && locked === 0);
        if (!lost) job.suspectSince = undefined;
        else if (job.suspectSince === undefined) job.suspectSince = now;
        else if (now - job.suspectSince >= this.options.stalledIntervalMs) void this.failLost(job);
      });
      const live = Number(replies[replies.length - 1]?.[1] ?? 0);
      if (live > 0 || jobs.length === 0) this.noWorkerSince = undefined;
      else {
        this.noWorkerSince ??= now;
        if (now - this.noWorkerSince >= this.options.noWorkerTimeoutMs) await this.failUnserved(jobs);
      }
    } catch {
      // Redis trouble: watchRedis decides when it is lost for good
    } finally {
      this.ticking = false;
    }
  }

  /** A job whose worker died or stalled: fail its inputs (the runner retries them per `retries`). */
  private async failLost(job: SentJob): Promise<void> {
    if (this.sent.get(job.id) !== job) return;
    const who = job.worker === undefined ? 'its worker' : `its worker (host ${job.worker.host}, pid ${job.worker.pid})`;
    this.settleFailed(
      job,
      new MinigunError(
        ErrorCodes.WORKER_DIED,
        `Job ${job.id} of stage "${this.where.stage}" (pipeline "${this.where.pipeline}", ${job.chunk.length} input(s)) was lost: ${who} stopped renewing the job's lock (it died, was killed, or stalled longer than its lockDurationMs). Its inputs fail or are retried (retries); nothing it emitted is delivered.`,
        this.where,
      ),
    );
    await this.removeJobs([job.id]).catch(() => undefined);
  }

  /** No worker serves the stage: fail the jobs nobody has taken (and remove them from Redis). */
  private async failUnserved(jobs: SentJob[]): Promise<void> {
    const waiting = jobs.filter((j) => j.worker === undefined);
    const error = new MinigunError(
      ErrorCodes.WORKER_DIED,
      `No worker has served stage "${this.where.stage}" of pipeline "${this.where.pipeline}" (queue "${this.queueName}", prefix "${this.options.prefix}") for ${this.options.noWorkerTimeoutMs} ms (noWorkerTimeoutMs), so its inputs fail. Start workers: minigun-bullmq-worker <pipeline module> --redis <url>.`,
      this.where,
    );
    await this.removeJobs(waiting.map((j) => j.id)).catch(() => undefined);
    for (const job of waiting) this.settleFailed(job, error);
    this.queue.rejectAll(error);
  }

  /** Redis gone for longer than redisLostMs: the run cannot go on here. */
  private watchRedis(): void {
    if (this.closed || this.broken !== undefined || this.redisLostSince === undefined) return;
    if (Date.now() - this.redisLostSince < this.options.redisLostMs) return;
    this.redisLost = true;
    this.breakWith(
      new MinigunError(
        ErrorCodes.REDIS,
        `Lost the connection to Redis at ${describeConnection(this.options.connection)} for more than ${this.options.redisLostMs} ms (redisLostMs) while stage "${this.where.stage}" of pipeline "${this.where.pipeline}" was running: its inputs in flight and to come fail.`,
        this.where,
      ),
    );
    void this.local?.stop(0);
  }

  /** The run cannot go on through Redis: `error` is reported once and fails every input in flight and to come. */
  private breakWith(error: Error): void {
    this.broken = error;
    this.host.reportError(error);
    const jobs = [...this.sent.values()];
    this.sent.clear();
    for (const job of jobs) this.queue.fail(job.chunk, error);
    this.queue.rejectAll(error);
  }

  /** The run's signal: workers abort ctx.signal; jobs no worker has taken yet are removed and count as cancelled. */
  private async cancel(): Promise<void> {
    if (this.closed || this.broken !== undefined) return;
    const cancelled = new MinigunError(ErrorCodes.CANCELLED, `Run of pipeline "${this.where.pipeline}" was cancelled.`, this.where);
    try {
      await this.client.publish(eventsChannel(this.options.prefix), JSON.stringify({ t: 'cancel', run: this.run }));
      const waiting = [...this.sent.values()].filter((j) => j.worker === undefined);
      const locked = new Set(await this.removeJobs(waiting.map((j) => j.id)));
      for (const job of waiting) if (!locked.has(job.id)) this.settleFailed(job, cancelled);
    } catch {
      // Redis trouble: close() still cleans up what it can
    }
  }

  /** Removes jobs; returns the ids that could not be removed (a worker holds their lock). */
  private async removeJobs(ids: string[]): Promise<string[]> {
    const results = await Promise.all(ids.map((id) => this.jobs.remove(id).catch(() => 0)));
    return ids.filter((_, i) => results[i] === 0).filter((id) => id !== '');
  }

  private async shutdownClients(): Promise<void> {
    this.stopped = true;
    this.reader.disconnect();
    await this.jobs.close().catch(() => undefined);
    this.client.disconnect();
  }
}
