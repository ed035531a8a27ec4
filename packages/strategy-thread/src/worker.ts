/**
 * The tinypool worker entry. A worker serves one stage of one run. On its first task it asks the parent for
 * its setup over the task's port (the parent runs beforeFork, then snapshots the state), runs afterFork,
 * then runs inputs; later tasks go straight to the inputs.
 */
import { BroadcastChannel, threadId, type MessagePort } from 'node:worker_threads';
import { workerId as tinypoolWorkerId } from 'tinypool';
import { StreamInbox, WorkerRuntime, markMinigunWorker, serializeError, deserializeError, type WorkerSetup } from '@minigun/core/toolkit';
import type { PortMessage, PortReply, ThreadTask, ThreadTaskResult } from './messages.js';

markMinigunWorker();

let runtime: Promise<WorkerRuntime> | undefined;
/** Where this worker tells the parent whether it runs a task (shared memory: no message per task). */
let busy: { flags: Int32Array; slot: number } | undefined;
let runtimeKey: string | undefined;
/** Ends what the current run's setup opened in this worker (a kept worker serves the next run afresh). */
let endRun: (() => Promise<void>) | undefined;

function send(port: MessagePort, message: PortMessage): void {
  port.postMessage(message);
}

function setUp(task: ThreadTask): Promise<WorkerRuntime> {
  const port = task.port!;
  return new Promise<WorkerRuntime>((resolve, reject) => {
    port.on('message', function onSetup(reply: PortReply) {
      if (reply.t === 'fatal') {
        port.off('message', onSetup);
        reject(deserializeError(reply.error));
        return;
      }
      if (reply.t !== 'setup') return;
      port.off('message', onSetup);
      const setup: WorkerSetup = reply.setup;
      busy = { flags: reply.busy, slot: setup.workerId % reply.busy.length };
      WorkerRuntime.create(setup)
        .then(async (rt) => {
          // The parent broadcasts 'cancel' when the run is cancelled: abort ctx.signal here.
          const cancel = new BroadcastChannel(`minigun:${task.key}`);
          cancel.onmessage = (event) => {
            if ((event as { data?: { t?: string } }).data?.t === 'cancel') rt.cancel();
          };
          cancel.unref();
          endRun = async () => {
            cancel.close();
            await rt.close();
          };
          const hooks = await rt.afterFork();
          send(port, { t: 'ready', workerId: setup.workerId, pid: process.pid, threadId, hooks });
          resolve(rt);
        })
        .catch((error: unknown) => {
          send(port, { t: 'fatal', error: serializeError(error) });
          reject(error);
        });
    });
    send(port, { t: 'hello', workerId: tinypoolWorkerId ?? 0, threadId });
  });
}

/** A reader's input stream, fed from its task's port (items, end; credit goes to the runtime once set up). */
function listenForItems(task: ThreadTask): StreamInbox {
  const inbox = new StreamInbox();
  task.port?.on('message', (reply: PortReply) => {
    if (reply.t === 'item') inbox.push(reply.item);
    else if (reply.t === 'end') inbox.end();
    else if (reply.t === 'credit') void runtime?.then((rt) => rt.grant(reply.n)).catch(() => undefined);
    // Also broadcast to every worker; on this port it comes before the end of the input it causes.
    else if (reply.t === 'cancel') void runtime?.then((rt) => rt.cancel()).catch(() => undefined);
  });
  return inbox;
}

export default async function run(task: ThreadTask): Promise<ThreadTaskResult> {
  // A reader's items may come before its setup is done: its input stream takes them from the first tick.
  const inbox = task.message.t === 'stream' ? listenForItems(task) : undefined;
  if (runtime === undefined || runtimeKey !== task.key) {
    if (task.port === undefined) return { t: 'needsSetup' };
    // keepAlive: this worker served an earlier run. Its module stays loaded; the run's runtime (state
    // snapshot, afterFork, ctx) is set up again below. Set synchronously: with perWorker, the run's next
    // task may arrive while this one waits, and must wait for the same setup.
    const ending = endRun;
    endRun = undefined;
    runtimeKey = task.key;
    runtime = (ending === undefined ? Promise.resolve() : ending().catch(() => undefined)).then(() => setUp(task));
    // A failed setup is retried by the next task that brings a port.
    runtime.catch(() => {
      runtime = undefined;
    });
  }
  let rt: WorkerRuntime;
  try {
    rt = await runtime;
  } catch (error) {
    return { t: 'fatal', error: serializeError(error) };
  }
  const message = task.message;
  if (message.t === 'inputs') {
    // A count, not a flag: with perWorker a worker runs several tasks at once.
    const flags = busy;
    if (flags !== undefined) Atomics.add(flags.flags, flags.slot, 1);
    try {
      return { t: 'results', outcomes: await rt.runInputs(message.inputs) };
    } finally {
      if (flags !== undefined) Atomics.sub(flags.flags, flags.slot, 1);
    }
  }
  const port = task.port;
  if (port === undefined) return { t: 'needsSetup' };
  if (inbox !== undefined) {
    if (busy !== undefined) Atomics.store(busy.flags, busy.slot, 1);
    try {
      await rt.stream(
        inbox,
        (emission) => send(port, { t: 'emission', id: message.id, emission }),
        (released, took) => send(port, { t: 'read', id: message.id, released, took }),
      );
    } catch (error) {
      return { t: 'streamed', error: serializeError(error) };
    } finally {
      if (busy !== undefined) Atomics.store(busy.flags, busy.slot, 0);
    }
    return { t: 'streamed' };
  }
  port.on('message', (reply: PortReply) => {
    if (reply.t === 'credit') rt.grant(reply.n);
  });
  let emitted = 0;
  try {
    await rt.produce((emission) => {
      emitted++;
      send(port, { t: 'emission', id: message.id, emission });
    });
  } catch (error) {
    return { t: 'produced', emitted, error: serializeError(error) };
  }
  return { t: 'produced', emitted };
}
