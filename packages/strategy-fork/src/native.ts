/**
 * The fork addon (native/fork.c), loaded from the prebuild for this platform and architecture that ships
 * in the package (prebuilds/<platform>-<arch>/fork.node; N-API keeps it valid across Node versions). No
 * install script builds anything: where no prebuild fits, or it does not load, the fork server is not
 * available and cow-fork spawns.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface ForkAddon {
  /** fork(2) with MADV_DOFORK first; the child closes `closeFds` and re-creates libuv's loop. 0 in the child. */
  fork(closeFds: readonly number[]): number;
  /** _exit(2): no exit handlers, no destructors. */
  exit(code: number): never;
  getpid(): number;
  /** A pidfd for `pid`, or -1 where the kernel has none. */
  pidfd(pid: number): number;
  /** poll(2) for readability; the indices of the ready descriptors (empty on timeout). */
  wait(fds: readonly number[], timeoutMs: number): number[];
  /** waitpid(pid, WNOHANG): null while it runs. */
  reap(pid: number): { pid: number; code: number | null; signal: number | null } | null;
  /** A blocking AF_UNIX connect; the connected descriptor. */
  connect(path: string): number;
  /** Four 32-bit words from getrandom(2). */
  seed(): [number, number, number, number];
  ignoreSignal(signal: number): void;
  setBlocking(fd: number): void;
  /** PR_SET_PDEATHSIG(SIGKILL); false when the parent is already gone. */
  dieWithParent(): boolean;
}

export const PREBUILD = fileURLToPath(new URL(`../prebuilds/${process.platform}-${process.arch}/fork.node`, import.meta.url));

let loaded: { addon?: ForkAddon; reason?: string } | undefined;

/** The addon, or why it is not available here. */
export function loadForkAddon(): { addon?: ForkAddon; reason?: string } {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') {
    loaded = { reason: `the fork server runs on Linux only (this is ${process.platform})` };
    return loaded;
  }
  try {
    loaded = { addon: createRequire(import.meta.url)(PREBUILD) as ForkAddon };
  } catch (error) {
    loaded = { reason: `its native addon did not load from ${PREBUILD} (${(error as Error).message})` };
  }
  return loaded;
}
