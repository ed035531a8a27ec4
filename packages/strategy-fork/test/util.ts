/** Shared helpers of the strategy-fork tests (not a test file). */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, type RunResult } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';
import { forkStrategies, type ForkStrategyOptions } from '@minigun/strategy-fork';

export const registry = (options: ForkStrategyOptions = {}): Registry => new Registry().use(forkStrategies(options));

const dirs: string[] = [];
/** A fresh temporary directory, removed by `cleanupDirs()`. */
export function tempDir(prefix = 'minigun-fork-test-'): string {
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
export const codeOf = (e: { error: Error }): unknown => (e.error as { code?: unknown }).code;

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Whether a process is alive: it exists and is not a zombie. An orphan reparented to a PID 1 that does not
 * reap stays a zombie, which `process.kill(pid, 0)` still reports; a zombie runs nothing and holds nothing.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Child processes of `ppid` (default: this process) as listed by /proc, zombies excluded. */
export function childrenOf(ppid = process.pid): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === ppid && rest[0] !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits until none of `pids` is alive; returns those still alive after `timeoutMs`. */
export async function stillAlive(pids: Iterable<number>, timeoutMs = 3000): Promise<number[]> {
  const list = [...new Set(pids)];
  const end = Date.now() + timeoutMs;
  let alive = list.filter(isAlive);
  while (alive.length > 0 && Date.now() < end) {
    await sleep(25);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** Waits until this process has no child processes other than `baseline`; returns the extra ones left. */
export async function extraChildren(baseline: readonly number[], timeoutMs = 3000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  let extra = childrenOf().filter((p) => !baseline.includes(p));
  while (extra.length > 0 && Date.now() < end) {
    await sleep(25);
    extra = childrenOf().filter((p) => !baseline.includes(p));
  }
  return extra;
}

export const fdCount = (): number => readdirSync('/proc/self/fd').length;

/** PIDs found in `collected[key]` entries (numbers or `{ pid }` objects). */
export function pidsIn(r: RunResult, ...keys: string[]): number[] {
  const pids: number[] = [];
  for (const key of keys) {
    for (const v of r.collected[key] ?? []) {
      if (typeof v === 'number') pids.push(v);
      else if (v !== null && typeof v === 'object' && typeof (v as { pid?: unknown }).pid === 'number') pids.push((v as { pid: number }).pid);
    }
  }
  return pids;
}

/** Groups values by key (Map.groupBy is Node 21+). */
export function groupBy<T, K>(values: Iterable<T>, key: (v: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const v of values) {
    const k = key(v);
    const list = out.get(k);
    if (list === undefined) out.set(k, [v]);
    else list.push(v);
  }
  return out;
}
