/**
 * What a process holds, read from /proc, from inside or from outside: open file descriptors, threads (the
 * main thread, Node's and libuv's helper threads and one per live worker thread), child processes, and the
 * processes anywhere that carry the soak's environment token (a child that outlived its parent is no longer
 * its child, but it keeps the environment it was started with).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { childrenOf } from '@minigun/test-utils';

export interface Holdings {
  readonly fds: number;
  readonly threads: number;
  readonly children: number[];
}

/**
 * Whether a process is tsx's esbuild service: the round runner runs under tsx, which keeps one such child
 * for its whole life once it compiled something (with a cold cache). It belongs to the loader, not to a round.
 */
function isLoaderService(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('esbuild') && cmdline.includes('--service');
  } catch {
    return false; // gone meanwhile
  }
}

export function holdings(pid = process.pid): Holdings {
  return {
    fds: readdirSync(`/proc/${pid}/fd`).length,
    threads: readdirSync(`/proc/${pid}/task`).length,
    children: childrenOf(pid).filter((child) => !isLoaderService(child)),
  };
}

/** Live (not zombie) processes whose environment has `name=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}\0`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        if (!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) return false;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

/** Every path under `dir` (relative to it), directories included. */
export function entriesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => p.split('\\').join('/'));
}

/** The open file descriptors of a process and what each points to (`pipe:[…]`, `socket:[…]`, a path). */
export function openFiles(pid = process.pid): Record<string, string> {
  const out: Record<string, string> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out[fd] = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      // closed between the listing and the readlink
    }
  }
  return out;
}
