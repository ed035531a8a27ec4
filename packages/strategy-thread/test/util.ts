/** Shared helpers of the strategy-thread tests (not a test file). */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, type RunResult } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';
import { threadStrategies, type ThreadStrategyOptions } from '@minigun/strategy-thread';

export const registry = (options: ThreadStrategyOptions = {}): Registry => new Registry().use(threadStrategies(options));

const dirs: string[] = [];
/** A fresh temporary directory, removed by `cleanupDirs()`. */
export function tempDir(prefix = 'minigun-thread-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const files = (dir: string, prefix: string): string[] => readdirSync(dir).filter((f) => f.startsWith(prefix));

export const sorted = (values: unknown[] | undefined): number[] => [...((values ?? []) as number[])].sort((a, b) => a - b);

/** Every stage: in = done + failed + cancelled. */
export const expectAccounting: (r: RunResult) => void = assertAccounting;

export const itemErrors = (r: RunResult) => r.errors.filter((e) => e.kind === 'item');

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Live worker threads of this process: a running Worker keeps its parent port ref'ed, which
 * getActiveResourcesInfo reports as 'MessagePort' (unref'ed channels are not listed).
 */
export const liveWorkerHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length;

/** Waits until no more worker handles are alive than `baseline`; returns how many are. */
export async function settledWorkerHandles(baseline: number, timeoutMs = 3000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (liveWorkerHandles() > baseline && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  return liveWorkerHandles();
}
