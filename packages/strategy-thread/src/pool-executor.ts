/**
 * The parent side of both thread strategies: one tinypool pool per stage and run. It queues the attempts
 * the runner hands it, sends them to workers in chunks when the queue is deep (fewer messages per input;
 * each input keeps its own outcome, so errors and retries stay exact), answers workers' setup handshakes
 * (beforeFork, then a state snapshot), and turns a dead worker into failed attempts.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import { ErrorCodes, MinigunError, type Attempt, type Emission, type StageExecutor, type StrategyHost, type StreamInput, type WorkerInfo } from '@minigun/core';
import {
  AttemptQueue,
  ProducerFeed,
  StreamPump,
  assertCloneable,
  deliverHookReport,
  deserializeError,
  emissionsOf,
  forkSetup,
  serializeError,
  type InputOutcome,
  type QueuedAttempt,
  type WarmPools,
} from '@minigun/core/toolkit';
import { workerExecArgv } from './loader-flags.js';
import type { PortMessage, PortReply, ThreadTask, ThreadTaskResult } from './messages.js';

/** Resolved from src/ (tests) and dist/ alike: the built worker entry. */
const WORKER_FILE = fileURLToPath(new URL('../dist/worker.js', import.meta.url));

export interface PoolExecutorOptions {
  /** A fresh worker per input (thread-per-batch) instead of workers kept for the run. */
  readonly perInput: boolean;
  /** Largest number of inputs sent to a worker in one message. */
  readonly maxChunk: number;
  /** How long closing may wait for workers to terminate before giving up on them (tinylibs/tinypool#54). */
  readonly terminateTimeoutMs: number;
  readonly resourceLimits?: import('node:worker_threads').ResourceLimits;
  /** How many tasks (chunks of inputs) a worker runs at once: more than 1 overlaps async stage functions. */
  readonly perWorker: number;
  /** keepAlive: where the pool comes from and goes back to between runs of the stage. */
  readonly warm?: WarmPools<Tinypool>;
}

export class PoolExecutor implements StageExecutor {
  private readonly key = randomUUID();
  private readonly pool: Tinypool;
  private readonly queue: AttemptQueue;
  private readonly ready = new Set<number>();
  /** threadId → worker id, from each worker's 'ready'. */
  private readonly workerIds = new Map<number, number>();
  /** Per-worker busy flags in shared memory (see PortReply). */
  private readonly busy = new Int32Array(new SharedArrayBuffer(4 * 1024));
  private readonly cancelChannel: BroadcastChannel;
  /** Tasks (chunks) in flight. */
  private running = 0;
  /** Inputs in flight, in those chunks. */
  private inFlightInputs = 0;
  private nextId = 1;
  private closed = false;
  /** Whether any worker of the pool has set up (until then, a worker that dies means none can start). */
  private readyOnce = false;
  /** Why no worker can start; every input fails with it. */
  private broken?: Error;
  /** Rejecters of the tinypool tasks in flight (see `settleable`). */
  private readonly inFlight = new Set<(error: Error) => void>();
  /** The pool's key among the strategy's warm pools: the same stage of the same module, with as many threads. */
  private readonly warmKey: string;
  private readonly onPoolError = (error: unknown): void => {
    if (this.closed || this.broken !== undefined) return;
    if (this.readyOnce) this.host.reportError(this.describeFailure(error, 0));
    else this.markBroken(error);
  };

  constructor(
    private readonly host: StrategyHost,
    private readonly options: PoolExecutorOptions,
  ) {
    const size = host.stage.options.concurrency;
    this.queue = new AttemptQueue(options.perInput ? 1 : options.maxChunk, () => this.dispatch());
    const { module, pipeline, stage } = host.stage;
    this.warmKey = JSON.stringify([module, pipeline, stage, size]);
    this.pool = options.warm?.take(this.warmKey) ?? this.createPool(size);
    // A worker that dies while idle (a timer of the stage that throws, process.exit) makes tinypool emit
    // 'error' on the pool: no input is lost (the pool replaces the worker), but the cause is reported.
    this.pool.on('error', this.onPoolError);
    this.cancelChannel = new BroadcastChannel(`minigun:${this.key}`);
    this.cancelChannel.unref();
    host.signal.addEventListener('abort', () => this.closed || this.cancelChannel.postMessage({ t: 'cancel' }), { once: true });
  }

  private createPool(size: number): Tinypool {
    const options = this.options;
    const pool = new Tinypool({
      filename: WORKER_FILE,
      minThreads: options.perInput ? 0 : size,
      maxThreads: size,
      isolateWorkers: options.perInput,
      concurrentTasksPerWorker: options.perWorker,
      execArgv: workerExecArgv(),
      resourceLimits: options.resourceLimits,
      // Idle workers stay for the run (and, with keepAlive, until the warm pool ends); tinypool unrefs them
      // while idle, so they never keep the process alive on their own.
      idleTimeout: options.perInput ? 0 : 2 ** 31 - 1,
    });
    // Between runs a kept pool has no executor listening: a worker dying then must not be an unhandled 'error'.
    if (options.warm !== undefined) pool.on('error', () => undefined);
    return pool;
  }

  capacity(): number {
    return this.queue.capacity(this.lanes);
  }

  /** Tasks in flight at most: `perWorker` in each of the `concurrency` threads. */
  private get lanes(): number {
    return this.host.stage.options.concurrency * this.options.perWorker;
  }

  execute(attempt: Attempt): Promise<Iterable<Emission> | AsyncIterable<Emission>> {
    // A value that cannot cross fails this input here, with its path, instead of failing a whole chunk.
    assertCloneable(attempt.input, 'the input', this.where);
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return this.queue.add(attempt.input);
  }

  async produce(emit: (e: Emission) => Promise<void>): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const id = this.nextId++;
    // In order, with backpressure: each accepted emission gives the worker one more credit.
    const feed = new ProducerFeed(emit, (n) => port1.postMessage({ t: 'credit', id, n } satisfies PortReply));
    const onEmission = (m: PortMessage): void => {
      if (m.t === 'emission') feed.push(m.emission);
    };
    try {
      const result = await feed.settle(this.runTask({ key: this.key, port: port2, message: { t: 'produce', id } }, port1, [port2], onEmission));
      if (result.t === 'fatal') throw deserializeError(result.error);
      if (result.t !== 'produced')
        throw new MinigunError(ErrorCodes.RUN_FAILED, `Producer worker of stage "${this.host.stage.stage}" answered ${result.t}.`, this.where);
      // runTask has taken the port messages still on their way when the result arrived.
      if (feed.count !== result.emitted)
        throw new MinigunError(
          ErrorCodes.RUN_FAILED,
          `Producer worker of stage "${this.host.stage.stage}" sent ${result.emitted} items but ${feed.count} arrived.`,
          this.where,
        );
      if (result.error !== undefined) throw deserializeError(result.error);
    } finally {
      port1.close();
    }
  }

  /**
   * One reader of a custom stage: a task that runs the stage function in a worker thread for as long as it
   * reads. Its items, reads, emissions and credit travel on the task's port; a worker that dies fails the
   * task (and so the item it held).
   */
  async stream(input: StreamInput, emit: (e: Emission) => Promise<void>, signal: AbortSignal): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const id = this.nextId++;
    const reply = (m: PortReply): void => port1.postMessage(m);
    const pump = new StreamPump(
      input,
      { item: (item) => reply({ t: 'item', id, item }), end: () => reply({ t: 'end', id }), credit: (n) => reply({ t: 'credit', id, n }) },
      emit,
      signal,
      this.where,
    );
    const onMessage = (m: PortMessage): void => {
      if (m.t === 'emission') pump.emission(m.emission);
      else if (m.t === 'read') pump.read(m.released, m.took);
    };
    // The broadcast 'cancel' may reach the worker after the end of input that the cancellation causes (or not
    // at all: a worker that starts later): sent on this port too, it comes first, so the stage function sees
    // ctx.signal aborted when its input ends.
    const cancel = (): void => reply({ t: 'cancel' });
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    try {
      await pump.run(
        this.runTask({ key: this.key, port: port2, message: { t: 'stream', id } }, port1, [port2], onMessage).then(
          (result) => {
            if (result.t === 'fatal') throw deserializeError(result.error);
            if (result.t !== 'streamed')
              throw new MinigunError(ErrorCodes.RUN_FAILED, `Reader worker of stage "${this.host.stage.stage}" answered ${result.t}.`, this.where);
            return { error: result.error === undefined ? undefined : deserializeError(result.error) };
          },
          (error: unknown) => {
            // The worker died (or none could start): the item it held fails with why.
            throw this.broken ?? this.describeFailure(error, 0, 'while it ran a reader of this custom stage (its unread items go back to the queue)');
          },
        ),
      );
    } finally {
      signal.removeEventListener('abort', cancel);
      port1.close();
    }
  }

  async close(mode: 'graceful' | 'force'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.rejectAll(new MinigunError(ErrorCodes.CANCELLED, `Stage "${this.host.stage.stage}" was closed before this input ran.`, this.where));
    this.cancelChannel.close();
    this.pool.off('error', this.onPoolError);
    // keepAlive: a pool whose run ended cleanly (no input running, workers able to start) serves the next run.
    if (this.options.warm !== undefined && mode === 'graceful' && this.broken === undefined && this.running === 0) {
      this.options.warm.keep(this.warmKey, this.pool);
      return;
    }
    const timeout = mode === 'force' ? Math.min(1000, this.options.terminateTimeoutMs) : this.options.terminateTimeoutMs;
    await destroyPool(this.pool, timeout);
  }

  /** The pool's set-up threads: worker id, thread id, and whether each runs a chunk of inputs now. */
  workers(): WorkerInfo[] {
    return this.pool.threads.flatMap((t) => {
      const id = this.workerIds.get(t.threadId);
      return id === undefined ? [] : [{ id, pid: process.pid, threadId: t.threadId, busy: Atomics.load(this.busy, id % this.busy.length) > 0 }];
    });
  }

  private get where(): { pipeline: string; stage: string } {
    return { pipeline: this.host.stage.pipeline, stage: this.host.stage.stage };
  }

  /** Sends queued inputs to free workers, in chunks sized by the AdaptiveChunker. */
  private dispatch(): void {
    const lanes = this.lanes;
    const perWorker = this.options.perWorker;
    if (perWorker === 1) {
      while (this.queue.length > 0 && this.running < lanes && !this.closed) {
        void this.runChunk(this.queue.take(lanes - this.running));
      }
      return;
    }
    // perWorker above 1: a worker runs the inputs of a chunk perWorker at a time, so one chunk can fill a
    // thread. While the queue is shallow (fewer inputs than free lanes), the waiting inputs are split evenly
    // over the threads with free lanes (about perWorker free inputs each; tinypool gives a task to an idle
    // worker first), rather than sent to whichever worker comes first. A deep queue goes in chunks of the
    // size the measured time calls for.
    const freeLanes = lanes - this.inFlightInputs;
    const freeThreads = freeLanes > 0 ? Math.ceil(freeLanes / perWorker) : 1;
    const share = Math.ceil(this.queue.length / freeThreads);
    while (this.queue.length > 0 && this.running < lanes && !this.closed) {
      void this.runChunk(this.queue.take(1, share));
    }
  }

  private async runChunk(batch: QueuedAttempt[]): Promise<void> {
    this.running++;
    this.inFlightInputs += batch.length;
    try {
      const started = performance.now();
      const { outcomes, busyMs } = await this.runInputs(batch.map((p) => p.input));
      // perWorker: the chunk's inputs overlapped in the worker (k of them run k / perWorker deep), and the
      // wall time would also count the waits behind other chunks of the same worker. What the chunk costs a
      // thread is its inputs' own run times divided by perWorker: the chunker then sizes chunks so that each
      // keeps a thread's lanes busy for about its target time (instead of undersizing them perWorker-fold).
      const elapsed = busyMs === undefined ? performance.now() - started : busyMs / this.options.perWorker;
      this.queue.settle(batch, outcomes, elapsed, (o) => emissionsOf(this.host, o));
    } catch (error) {
      this.queue.fail(batch, this.broken ?? this.describeFailure(error, batch.length));
    } finally {
      this.running--;
      this.inFlightInputs -= batch.length;
      this.dispatch();
    }
  }

  private async runInputs(inputs: unknown[]): Promise<{ outcomes: InputOutcome[]; busyMs?: number }> {
    const message = { t: 'inputs' as const, id: this.nextId++, inputs };
    // A port is needed only while some worker has not been set up (new pool, replaced or per-input workers).
    for (let attempt = 0; attempt < 3; attempt++) {
      const withPort =
        attempt > 0 ||
        this.options.perInput ||
        this.pool.threads.length < this.host.stage.options.concurrency ||
        this.pool.threads.some((t) => !this.ready.has(t.threadId));
      let result: ThreadTaskResult;
      if (withPort) {
        const { port1, port2 } = new MessageChannel();
        try {
          result = await this.runTask({ key: this.key, port: port2, message }, port1, [port2]);
        } finally {
          port1.close();
        }
      } else {
        result = await this.runTask({ key: this.key, message }, undefined, []);
      }
      if (result.t === 'results') return result;
      if (result.t === 'fatal') throw deserializeError(result.error);
    }
    throw new MinigunError(ErrorCodes.RUN_FAILED, `Stage "${this.host.stage.stage}": a worker kept asking for its setup.`, this.where);
  }

  /**
   * Runs one tinypool task, answering the setup handshake on `port` if the worker asks; other port messages
   * (producer emissions) go to `other`, in order, including those drained after the result arrived.
   */
  private runTask(task: ThreadTask, port: MessagePort | undefined, transferList: MessagePort[], other?: (m: PortMessage) => void): Promise<ThreadTaskResult> {
    const onMessage = (m: PortMessage): void => {
      if (m.t === 'hello') void this.answerHello(port!, m.workerId);
      else if (m.t === 'ready') {
        this.readyOnce = true;
        this.ready.add(m.threadId);
        this.workerIds.set(m.threadId, m.workerId);
        deliverHookReport(this.host, m.hooks, m.workerId);
      } else other?.(m);
    };
    port?.on('message', onMessage);
    const result = this.settleable(this.pool.run(task, { transferList }) as Promise<ThreadTaskResult>);
    this.watchExits();
    // The 'ready' report may still be on its way when the task result arrives: take it before the port closes.
    return result.finally(() => {
      if (port === undefined) return;
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) onMessage(m.message as PortMessage);
    });
  }

  /** A tinypool task that also settles (rejects) when the pool turns out unable to start workers. */
  private settleable(task: Promise<ThreadTaskResult>): Promise<ThreadTaskResult> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise<ThreadTaskResult>((resolve, reject) => {
      this.inFlight.add(reject);
      task.then(resolve, reject).finally(() => this.inFlight.delete(reject));
    });
  }

  /**
   * No worker of the pool could start (tinypool then stops replacing them, and every task would wait
   * forever): fail what waits and what comes, with the reason.
   */
  private markBroken(error: unknown): void {
    this.broken = new MinigunError(
      ErrorCodes.WORKER_DIED,
      `The worker threads of stage "${this.host.stage.stage}" (pipeline "${this.host.stage.pipeline}") ${failureReason(error)} before they could start, so no input of this stage can run. Are its resourceLimits too small?`,
      { ...this.where, cause: error },
    );
    for (const reject of this.inFlight) reject(this.broken);
    this.inFlight.clear();
    this.queue.rejectAll(this.broken);
  }

  /**
   * tinypool's thread runtime does not notice a worker that calls process.exit(): its task would never
   * settle and destroy() would hang. Watch each worker's 'exit' and turn an exit while the worker is still
   * in the pool into the 'error' tinypool does handle (it fails the worker's tasks and replaces it).
   */
  private watchExits(): void {
    for (const worker of this.pool.threads) {
      if (watched.has(worker)) continue;
      watched.add(worker);
      const threadId = worker.threadId; // -1 once the thread has exited
      loaded.set(
        worker,
        new Promise<void>((resolve) => {
          // Stays attached for the worker's life (the wrapper has no off()); it only resolves a settled promise.
          worker.on('message', (m: unknown) => (m as { ready?: unknown } | null)?.ready === true && resolve());
          worker.once('exit', () => resolve());
        }),
      );
      worker.once('exit', (code: number) => {
        this.workerIds.delete(threadId);
        this.ready.delete(threadId);
        if (!this.pool.threads.includes(worker)) return; // tinypool itself retired it
        const error = Object.assign(new Error(`Worker exited with code ${code}`), { code: 'ERR_WORKER_EXITED', exitCode: code });
        worker.emit('error', error);
        // tinypool started the replacement synchronously in its 'error' handler: watch it from its first tick.
        this.watchExits();
      });
    }
  }

  /** A worker starts: beforeFork in the parent, then the state snapshot (so it sees what beforeFork changed). */
  private async answerHello(port: MessagePort, workerId: number): Promise<void> {
    try {
      port.postMessage({ t: 'setup', setup: await forkSetup(this.host, workerId), busy: this.busy, perWorker: this.options.perWorker } satisfies PortReply);
    } catch (error) {
      port.postMessage({ t: 'fatal', error: serializeError(error) } satisfies PortReply);
    }
  }

  private describeFailure(error: unknown, inputs: number, doing?: string): Error {
    // Our own errors (setup failures carry an ERR_MINIGUN_ code across the boundary) are already clear.
    if (error instanceof MinigunError || String((error as { code?: unknown })?.code ?? '').startsWith('ERR_MINIGUN_')) return error as Error;
    const reason = failureReason(error);
    const held = doing ?? (inputs > 0 ? `while it held ${inputs} input(s) (they fail or are retried)` : 'while idle (no input was lost)');
    return new MinigunError(
      ErrorCodes.WORKER_DIED,
      `A worker thread of stage "${this.host.stage.stage}" (pipeline "${this.host.stage.pipeline}") ${reason} ${held}; the pool replaces the worker.`,
      { ...this.where, cause: error },
    );
  }
}

/** Workers whose exit is watched (once per worker, whichever run's executor saw it first: a kept pool outlives runs). */
const watched = new WeakSet<object>();
/** Per watched worker: settles once it has loaded its entry module (tinypool's `ready` message) or exited. */
const loaded = new WeakMap<object, Promise<void>>();

/** Ends a pool: its workers terminate (waiting at most `timeout` ms). Also how a kept pool ends. */
export async function destroyPool(pool: Tinypool, timeout: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // tinypool's destroy() waits with events.once() on each worker wrapper, which has no removeListener: a
  // worker that fails while it terminates (out of memory as it boots) would throw a TypeError out of the
  // 'error' event and crash the process. Give the wrappers one, so that destroy() rejects instead.
  for (const worker of pool.threads) addRemoveListener(worker);
  await untilLoaded(pool, timeout);
  // A worker that fails while it terminates rejects destroy(): the run records it as a closing failure.
  // One that does not terminate in time is left to exit on its own (tinypool cannot force it).
  try {
    await Promise.race([pool.destroy(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits (at most `ms`) for workers still loading their entry module. A thread terminated in the middle of
 * an import leaks the file descriptor of the file it was reading: it belongs to the process, and the
 * terminated thread never closes it (found by the soak, where replacements of exited workers were still
 * starting when the run ended).
 */
async function untilLoaded(pool: Tinypool, ms: number): Promise<void> {
  const loading = pool.threads.map((w) => loaded.get(w)).filter((p) => p !== undefined);
  if (loading.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([Promise.all(loading), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** What happened to a worker thread, from tinypool's error: out of memory, an exit code, or the error itself. */
function failureReason(error: unknown): string {
  const e = error as Error & { code?: string };
  const exit = /exit(?:ed)?(?: with)?(?: code)? (\d+)/i.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'ran out of memory (resourceLimits)';
  return exit !== undefined ? `exited with code ${exit}` : `failed: ${e.message}`;
}

/** See `close`: a removeListener that reaches the wrapped thread (tinypool keeps it as `thread`). */
function addRemoveListener(worker: object): void {
  const w = worker as { removeListener?: unknown; thread?: { off(event: string, fn: (...args: unknown[]) => void): unknown } };
  if (typeof w.removeListener === 'function') return;
  w.removeListener = (event: string, fn: (...args: unknown[]) => void) => {
    w.thread?.off(event, fn);
    return worker;
  };
}
