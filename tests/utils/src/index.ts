/**
 * Helpers shared by this repository's test suites (not published: `@minigun/core/testing` is the public
 * kit for plugin authors). Each package's `test/util.ts` re-exports what it uses and adds its own.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '@minigun/core';

const dirs: string[] = [];

/** A fresh temporary directory, removed by `cleanupDirs()`. */
export function tempDir(prefix = 'minigun-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every directory `tempDir()` made (call it in afterAll/afterEach). */
export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Names in `dir` that start with `prefix`. */
export const files = (dir: string, prefix: string): string[] => readdirSync(dir).filter((f) => f.startsWith(prefix));

export const sorted = (values: unknown[] | undefined): number[] => [...((values ?? []) as number[])].sort((a, b) => a - b);

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** The per-input errors of a run. */
export const itemErrors = (r: RunResult) => r.errors.filter((e) => e.kind === 'item');

/** The `code` of an error entry's error (an `ERR_MINIGUN_…` code, or a Node errno code). */
export const codeOf = (e: { error: Error }): unknown => (e.error as { code?: unknown }).code;

/** A process's state letter and parent pid from /proc, or undefined once it is gone. */
function procStat(pid: number | string): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a process is alive: it exists and is not a zombie. An orphan reparented to a PID 1 that does not
 * reap stays a zombie, which `process.kill(pid, 0)` still reports; a zombie runs nothing and holds nothing.
 */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Child processes of `ppid` (default: this process) as listed by /proc, zombies excluded. */
export function childrenOf(ppid = process.pid): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const stat = procStat(entry);
      return stat !== undefined && stat.ppid === ppid && stat.state !== 'Z';
    })
    .map(Number);
}

/**
 * Live Minigun child processes of `ppid`: those whose command line runs the fork strategy's child entry,
 * and cow-fork's fork servers with the children they forked (which carry the server's command line).
 * Other children are not counted: with a cold cache, tsx's esbuild keeps a service process of its own.
 */
export function minigunChildren(ppid = process.pid): number[] {
  const cmdline = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return ''; // gone meanwhile
    }
  };
  const found: number[] = [];
  for (const pid of childrenOf(ppid)) {
    const cmd = cmdline(pid);
    if (cmd.includes('child.js')) found.push(pid);
    else if (cmd.includes('fork-server.js')) found.push(pid, ...childrenOf(pid));
  }
  return found;
}

/** Waits until none of `pids` is alive; returns those still alive after `timeoutMs`. */
export async function stillAlive(pids: Iterable<number>, timeoutMs = 3000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  let alive = [...new Set(pids)].filter(isAlive);
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

/** Open file descriptors of this process. */
export const fdCount = (): number => readdirSync('/proc/self/fd').length;

export { runTypeScriptApp, typescriptApp, type AppExit, type AppRun, type Probe, type TypeScriptApp, type TypeScriptAppOptions } from './typescript-app.ts';
