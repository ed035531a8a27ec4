// The work both sides of the bench do, in plain JavaScript so that no child process needs a loader.
// Imported by the raw baselines (raw-child.mjs, raw-worker.mjs) and by the Minigun pipelines (define-pipelines.mjs).
import { setTimeout } from 'node:timers';

/** Recursive Fibonacci: pure CPU, no allocation. fib(30) = 832040. */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** The trivial workload: n → n + 1. */
export function inc(n) {
  return n + 1;
}

/** The I/O-bound workload: waits `ms` (a timer, no CPU), then n → n + 1. */
export function sleepInc(n, ms) {
  return new Promise((resolve) => setTimeout(() => resolve(n + 1), ms));
}
