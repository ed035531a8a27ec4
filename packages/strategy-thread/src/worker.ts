/**
 * The tinypool worker entry. A worker serves one stage of one run. On its first task it asks the parent for
 * its setup over the task's port (the parent runs beforeFork, then snapshots the state), runs afterFork,
 * then runs inputs; later tasks go straight to the inputs.
 */
import { BroadcastChannel, threadId, type MessagePort } from 'node:worker_threads';
import { ErrorCodes, MinigunError } from '@minigun/core';
import { StreamInbox, WorkerRuntime, markMinigunWorker, serializeError, deserializeError, type InputOutcome, type WorkerSetup } from '@minigun/core/toolkit';
import { Lanes, inLanes } from './lanes.js';
import type { PortMessage, PortReply, ThreadTask, ThreadTaskResult } from './messages.js';

markMinigunWorker();

/**
 * This worker's id in its pool (1 … maxThreads), as tinypool's own `workerId` export reads it: tinypool's
 * worker entry stores it on `process` before it imports this file. Read here directly because importing
 * tinypool's main module, which only re-exports it, costs some 15 ms in every new thread.
 */
const tinypoolWorkerId = (process as { __tinypool_state__?: { workerId?: number } }).__tinypool_state__?.workerId;

let runtime: Promise<WorkerRuntime> | undefined;
/** Where this worker tells the parent whether it runs a task (shared memory: no message per task). */
let busy: { flags: Int32Array; slot: number } | undefined;
let runtimeKey: string | undefined;
/** Ends what the current run's setup opened in this worker (a kept worker serves the next run afresh). */
let endRun: (() => Promise<void>) | undefined;
/**
 * perWorker above 1: the current run's lanes, shared by all the tasks this worker runs at once, so that the
 * inputs of its chunks overlap while at most perWorker run at a time. Undefined: one input at a time.
 */
let lanes: Lanes | undefined;
/** Whether the current run was cancelled: an input of a chunk that has not taken a lane yet is not started. */
let cancelled = false;

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
      lanes = reply.perWorker > 1 && setup.transport === undefined ? new Lanes(reply.perWorker) : undefined;
      cancelled = false;
      WorkerRuntime.create(setup)
        .then(async (rt) => {
          // The parent broadcasts 'cancel' when the run is cancelled: abort ctx.signal here.
          const cancel = new BroadcastChannel(`minigun:${task.key}`);
          cancel.onmessage = (event) => {
            if ((event as { data?: { t?: string } }).data?.t !== 'cancel') return;
            cancelled = true;
            rt.cancel();
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
    else if (reply.t === 'cancel')
      void runtime
        ?.then((rt) => {
          cancelled = true;
          rt.cancel();
        })
        .catch(() => undefined);
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
      const shared = lanes;
      if (shared === undefined) return { t: 'results', outcomes: await rt.runInputs(message.inputs) };
      return await runInLanes(rt, shared, message.inputs);
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

/**
 * perWorker above 1: the inputs of a chunk run at once, up to the lanes' limit (shared with the other tasks
 * of this worker). Each input stays its own attempt: its emits and collects travel with its own outcome, and
 * the outcomes keep the inputs' order whatever order they end in. An input still waiting for a lane when the
 * run is cancelled is not started: it fails with ERR_MINIGUN_CANCELLED (the run counts it as cancelled).
 */
async function runInLanes(rt: WorkerRuntime, shared: Lanes, inputs: readonly unknown[]): Promise<ThreadTaskResult> {
  let busyMs = 0;
  let notStarted: InputOutcome | undefined;
  const outcomes = await inLanes(
    shared,
    inputs,
    async (input) => {
      const started = performance.now();
      try {
        return await rt.runInput(input);
      } finally {
        busyMs += performance.now() - started;
      }
    },
    () => {
      if (!cancelled) return undefined;
      const { pipeline, stage } = rt.where;
      notStarted ??= {
        ok: false,
        error: serializeError(
          new MinigunError(
            ErrorCodes.CANCELLED,
            `Run of pipeline "${pipeline}" was cancelled before this input of stage "${stage}" started in its worker thread.`,
            {
              pipeline,
              stage,
            },
          ),
        ),
      };
      return notStarted;
    },
  );
  return { t: 'results', outcomes, busyMs };
}
