// @ts-check
/**
 * The worker entry of the `wtp` strategy, run by node-worker-threads-pool's StaticPool (`task: <this file>`).
 * Plain JavaScript on purpose: worker threads cannot rely on the parent's TypeScript loader on Node 20, and
 * this file is all the pool loads itself (WorkerRuntime registers tsx for a `.ts` pipeline module).
 * One message in (a WtpTask, see src/messages.ts), exactly one message out (a WtpReply): the pool's rule.
 */
import { BroadcastChannel, parentPort, threadId } from 'node:worker_threads';
import { WorkerRuntime, markMinigunWorker, serializeError } from '@minigun/core/toolkit';

markMinigunWorker(); // run() in this isolate is then an error, isMain(import.meta) false

/** @type {WorkerRuntime | undefined} */
let runtime;
/** @type {string | undefined} */
let runtimeKey;

/** @param {any} task a WtpTask */
async function handle(task) {
  let ready;
  if (runtime === undefined || runtimeKey !== task.key) {
    if (task.setup === undefined) return { t: 'needsSetup' };
    const rt = await WorkerRuntime.create(task.setup);
    // The parent broadcasts 'cancel' when the run is cancelled: abort ctx.signal in this worker.
    const cancel = new BroadcastChannel(`minigun-wtp:${task.key}`);
    cancel.onmessage = (event) => {
      if (/** @type {{ data?: { t?: string } }} */ (event).data?.t === 'cancel') rt.cancel();
    };
    cancel.unref();
    ready = { workerId: task.setup.workerId, hooks: await rt.afterFork() };
    runtime = rt;
    runtimeKey = task.key;
  }
  const rt = runtime;
  if (task.message.t === 'input') {
    const [outcome] = await rt.runInputs([task.message.input]);
    return { t: 'result', outcome, ready, threadId };
  }
  const port = task.port;
  port.on('message', (/** @type {{ t: string; n: number }} */ m) => {
    if (m.t === 'credit') rt.grant(m.n);
  });
  let emitted = 0;
  try {
    await rt.produce((emission) => {
      emitted++;
      port.postMessage({ t: 'emission', emission });
    });
    return { t: 'produced', emitted, ready };
  } catch (error) {
    return { t: 'produced', emitted, ready, error: serializeError(error) };
  } finally {
    port.close();
  }
}

parentPort?.on('message', (task) => {
  handle(task).then(
    (reply) => parentPort?.postMessage(reply),
    (error) => parentPort?.postMessage({ t: 'fatal', error: serializeError(error) }),
  );
});
