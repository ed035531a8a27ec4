// Pipelines of the bullmq benchmark (plain JavaScript: local workers import it without a loader).
import { pipeline } from '@minigun/core';

const module = import.meta.url;

export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** state: { n }. n trivial inputs (n → n + 1) through `strategy`, summed inline. */
export const dispatchFor = (strategy) =>
  pipeline(`bench-dispatch-${strategy}`, { module }, (p) => {
    p.producer('source', async (out, ctx) => {
      for (let i = 0; i < ctx.state.n; i++) await out.emit(i);
    });
    p.processor('work', { strategy, concurrency: 2 }, (n) => n + 1);
    p.consumer('sum', (n, _out, ctx) => {
      ctx.state.sum += n;
    });
  });

/** state: { count, fibN }. count × fib(fibN) through `strategy`, summed inline. */
export const cpuFor = (strategy, name = `bench-cpu-${strategy}`) =>
  pipeline(name, { module }, (p) => {
    p.producer('source', async (out, ctx) => {
      for (let i = 0; i < ctx.state.count; i++) await out.emit(ctx.state.fibN);
    });
    p.processor('work', { strategy, concurrency: 2 }, (n) => fib(n));
    p.consumer('sum', (n, _out, ctx) => {
      ctx.state.sum += n;
    });
  });

export const dispatchBullmq = dispatchFor('bullmq');
export const dispatchIpc = dispatchFor('ipc-fork');
export const cpuBullmq = cpuFor('bullmq');
export const cpuIpc = cpuFor('ipc-fork');
/** The cpu pipeline under another name (so another queue), for workers started before the runs. */
export const cpuBullmqServed = cpuFor('bullmq', 'bench-cpu-bullmq-served');
