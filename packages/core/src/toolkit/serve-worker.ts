/**
 * The worker side of the protocol over a message channel (process IPC, a MessagePort): answers every
 * `ParentMessage` with the `WorkerMessage`s it calls for. A strategy's worker entry is then a few lines:
 *
 *   serveWorker({ send: (m) => process.send!(m), onMessage: (f) => process.on('message', f), exit: () => process.exit(0) });
 */
import type { ParentMessage, WorkerMessage } from './protocol.js';
import { serializeError } from './serialize-error.js';
import { StreamInbox } from './stream-flow.js';
import { currentThreadId, rememberThreadId } from './thread-id.js';
import { WorkerRuntime, type PreparedStage } from './worker-runtime.js';

export interface WorkerChannel {
  send(message: WorkerMessage): void;
  onMessage(listener: (message: ParentMessage) => void): void;
  /** Called on `shutdown`, once pending work has been answered. */
  exit(): void;
  /**
   * This isolate's `worker_threads` threadId when the entry knows it: 0 in a child process's main thread.
   * Default: read from `node:worker_threads` on first use (which a child process need not load at all).
   */
  readonly threadId?: number;
}

/**
 * Resident memory, re-read at most every 100 ms: it reads /proc, which costs far more than a small chunk of
 * inputs (and pools that recycle above a limit do not need it fresher).
 */
let rss = { at: -Infinity, bytes: 0 };
function residentMemory(): number {
  const now = performance.now();
  if (now - rss.at >= 100) rss = { at: now, bytes: process.memoryUsage.rss() };
  return rss.bytes;
}

export function serveWorker(channel: WorkerChannel): void {
  if (channel.threadId !== undefined) rememberThreadId(channel.threadId);
  let prepared: Promise<PreparedStage> | undefined;
  let runtime: Promise<WorkerRuntime> | undefined;
  // Messages are handled one after another, in arrival order.
  let queue: Promise<void> = Promise.resolve();
  /** The input streams of custom stage readers, by request id. */
  const streams = new Map<number, StreamInbox>();
  const fatal = (error: unknown): void => channel.send({ t: 'fatal', error: serializeError(error) });

  const handle = async (m: ParentMessage): Promise<void> => {
    switch (m.t) {
      case 'prepare':
        prepared = WorkerRuntime.prepare(m.target);
        try {
          await prepared;
          channel.send({ t: 'prepared' });
        } catch (error) {
          fatal(error);
        }
        return;
      case 'setup': {
        const setup = m.setup;
        // A kept worker (keepAlive) is set up again for each run: the previous run's runtime lets go first.
        if (runtime !== undefined) await (await runtime.catch(() => undefined))?.close().catch(() => undefined);
        runtime = (prepared ?? WorkerRuntime.prepare(setup)).then((p) => p.start(setup, channel.threadId));
        try {
          const rt = await runtime;
          channel.send({
            t: 'ready',
            workerId: setup.workerId,
            pid: process.pid,
            threadId: channel.threadId ?? currentThreadId(),
            hooks: await rt.afterFork(),
          });
        } catch (error) {
          fatal(error);
        }
        return;
      }
      case 'inputs': {
        const rt = await runtime!;
        channel.send({ t: 'results', id: m.id, outcomes: await rt.runInputs(m.inputs), rss: residentMemory() });
        return;
      }
      case 'produce': {
        const rt = await runtime!;
        // Runs alongside later messages (credit), so it is not awaited in the queue.
        void rt
          .produce((emission) => channel.send({ t: 'emission', id: m.id, emission }))
          .then(
            () => channel.send({ t: 'produced', id: m.id }),
            (error: unknown) => channel.send({ t: 'produced', id: m.id, error: serializeError(error) }),
          );
        return;
      }
      case 'stream': {
        const rt = await runtime!;
        const inbox = streams.get(m.id)!;
        // Runs alongside later messages (credit), so it is not awaited in the queue.
        void rt
          .stream(
            inbox,
            (emission) => channel.send({ t: 'emission', id: m.id, emission }),
            (released, took) => channel.send({ t: 'read', id: m.id, released, took }),
          )
          .then(
            () => channel.send({ t: 'streamed', id: m.id }),
            (error: unknown) => channel.send({ t: 'streamed', id: m.id, error: serializeError(error) }),
          )
          .finally(() => streams.delete(m.id));
        return;
      }
      case 'item':
        streams.get(m.id)?.push(m.item);
        return;
      case 'end':
        streams.get(m.id)?.end();
        return;
      case 'credit':
        (await runtime!).grant(m.n);
        return;
      case 'cancel':
        if (runtime !== undefined) (await runtime).cancel();
        return;
      case 'shutdown':
        // A worker that never set up has nothing to release, and one whose release fails is exiting anyway:
        // nothing could be done with the error in a process that is going away.
        if (runtime !== undefined) await (await runtime.catch(() => undefined))?.close().catch(() => undefined);
        channel.exit();
        return;
    }
  };
  channel.onMessage((m) => {
    // A reader's input stream exists from its first message on: its items may come before it starts.
    if (m.t === 'stream') streams.set(m.id, new StreamInbox());
    // credit, cancel and a reader's items must not wait behind a running input, producer or setup
    if (m.t === 'credit' || m.t === 'cancel' || m.t === 'item' || m.t === 'end') void handle(m).catch(fatal);
    else queue = queue.then(() => handle(m)).catch(fatal);
  });
}
