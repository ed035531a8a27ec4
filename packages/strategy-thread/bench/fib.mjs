// The work both sides of the bench do, in plain JavaScript so that the raw tinypool worker needs no loader.
// Imported by raw-worker.mjs (raw tinypool) and by pipelines.ts (Minigun's `thread` workers).

/** Recursive Fibonacci: pure CPU, no allocation. fib(30) = 832040. */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** The dispatch workload's trivial function. */
export function inc(n) {
  return n + 1;
}
