/**
 * A producer may return an iterable or async iterable instead of calling out.emit: drain it into `emit`,
 * awaiting only when `emit` asks to (backpressure). A synchronous iterable whose items are all accepted at
 * once never awaits, so the loop yields to the event loop every ~20 ms: timers and signals keep running.
 */
const YIELD_EVERY_MS = 20;

/**
 * @param stopped returns the error to throw when the run has stopped (checked before every item)
 */
export async function drainProduced(result: unknown, emit: (item: unknown) => void | Promise<void>, stopped: () => Error | undefined): Promise<void> {
  if (result === undefined || result === null || typeof result === 'string') return;
  if (typeof (result as Iterable<unknown>)[Symbol.iterator] === 'function') {
    let lastYield = performance.now();
    let n = 0;
    for (const item of result as Iterable<unknown>) {
      const stop = stopped();
      if (stop !== undefined) throw stop;
      const wait = emit(item);
      if (wait !== undefined) {
        await wait;
        lastYield = performance.now();
      } else if ((++n & 1023) === 0 && performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  } else if (typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const item of result as AsyncIterable<unknown>) {
      const stop = stopped();
      if (stop !== undefined) throw stop;
      const wait = emit(item);
      if (wait !== undefined) await wait;
    }
  }
}
