// The raw tinypool worker of the ipc-fork baselines (tinypool's `child_process` runtime): the same
// functions as Minigun's stages, selected with pool.run(task, { name }). Plain JavaScript, no loader.
import { fib as fibImpl, inc as incImpl } from './fib.mjs';

export function fib(n) {
  return fibImpl(n);
}

export function inc(n) {
  return incImpl(n);
}

export default fib;
