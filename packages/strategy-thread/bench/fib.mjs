// The work both sides of the bench do, in plain JavaScript so that the raw workers need no loader.
// Imported by raw-worker.mjs (raw tinypool), raw-hash-worker.mjs and define-pipelines.mjs (Minigun's stages).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Recursive Fibonacci: pure CPU, no allocation. fib(30) = 832040. */
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** The dispatch workload's trivial function. */
export function inc(n) {
  return n + 1;
}

/** The hash workload's work: reads a file and hashes it (sha256); returns its size (the sum checks it). */
export async function hashFile(path) {
  const data = await readFile(path);
  createHash('sha256').update(data).digest();
  return data.length;
}
