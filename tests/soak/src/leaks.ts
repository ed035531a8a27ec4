/**
 * Leak checks of the process that runs the rounds, made from inside it after every round: its open file
 * descriptors and threads against a baseline, its child processes (none may be left), and what is left in
 * its temporary directory (the tempfile transport's run directories and their locks). A round's workers
 * may take a moment to go once the run has returned (a worker thread's OS thread, a child's exit being
 * reaped), so the checks poll until things are back or a timeout passes; what is still there then leaks.
 */
import { tmpdir } from 'node:os';
import { sleep } from '@minigun/test-utils';
import { entriesUnder, holdings, openFiles, type Holdings } from './probes.js';

/** What the process holds when idle between rounds. */
export interface Baseline {
  readonly fds: number;
  readonly threads: number;
  /** What each descriptor pointed to, to name the new ones of a leak. */
  readonly fdTargets: Readonly<Record<string, string>>;
}

export interface Leaks {
  /** Descriptors and threads above the baseline (0 without one). */
  readonly fds: number;
  /** The descriptors not in the baseline, with what they point to (`31 → pipe:[…]`), when there are more than before. */
  readonly newFds: string[];
  readonly threads: number;
  readonly children: number[];
  /** Paths left under the temporary directory (relative to it). */
  readonly files: string[];
}

/** tsx keeps its compile cache under the temporary directory (`tsx-<uid>`); it belongs to the loader of this process, not to a round. */
const ownCache = (path: string): boolean => path.startsWith('tsx-');

export const leftFiles = (): string[] => entriesUnder(tmpdir()).filter((p) => !ownCache(p));

function newFds(baseline: Baseline): string[] {
  return Object.entries(openFiles())
    .filter(([fd, target]) => baseline.fdTargets[fd] !== target)
    .map(([fd, target]) => `${fd} → ${target}`);
}

const leaksOf = (now: Holdings, baseline: Baseline | undefined): Leaks => ({
  fds: baseline === undefined ? 0 : Math.max(0, now.fds - baseline.fds),
  newFds: baseline !== undefined && now.fds > baseline.fds ? newFds(baseline) : [],
  threads: baseline === undefined ? 0 : Math.max(0, now.threads - baseline.threads),
  children: now.children,
  files: leftFiles(),
});

export const leakCount = (l: Leaks): number => l.fds + l.threads + l.children.length + l.files.length;

/** Polls until nothing leaks or `timeoutMs` passes; returns what leaks then (all zero and empty when nothing does). */
export async function settle(baseline: Baseline | undefined, timeoutMs: number): Promise<Leaks> {
  const end = Date.now() + timeoutMs;
  let leaks = leaksOf(holdings(), baseline);
  while (leakCount(leaks) > 0 && Date.now() < end) {
    await sleep(50);
    leaks = leaksOf(holdings(), baseline);
  }
  return leaks;
}

/** The leaks as sentences, for a round's report. */
export function describeLeaks(l: Leaks, where: string): string[] {
  const out: string[] = [];
  if (l.fds > 0) out.push(`${where}: ${l.fds} file descriptors more than before (new or changed: ${l.newFds.join(', ')})`);
  if (l.threads > 0) out.push(`${where}: ${l.threads} threads more than before`);
  if (l.children.length > 0) out.push(`${where}: child processes left: ${l.children.join(', ')}`);
  if (l.files.length > 0) out.push(`${where}: left in the temporary directory: ${l.files.slice(0, 5).join(', ')}${l.files.length > 5 ? ', …' : ''}`);
  return out;
}
