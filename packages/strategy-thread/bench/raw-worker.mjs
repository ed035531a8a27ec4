// The raw tinypool worker of the baselines: the same functions as Minigun's stages, selected with
// pool.run(task, { name }). Plain JavaScript, so the raw pool's workers run without any loader.
import { fib as fibImpl, inc as incImpl } from './fib.mjs';

export function fib(n) {
  return fibImpl(n);
}

export function inc(n) {
  return incImpl(n);
}

export default fib;
