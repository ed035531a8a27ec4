/**
 * How a child process is started, behind an interface so that other start methods (a fork server, a
 * zygote that clones a warm process) can be added without touching the executors.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Resolved from src/ (tests) and dist/ alike: the built child entry. */
const CHILD_FILE = fileURLToPath(new URL('../dist/child.js', import.meta.url));

export interface ChildLauncher {
  start(): ChildProcess;
}

export interface ForkLauncherOptions {
  /** Node flags for the children. Default: the parent's (so `--import tsx` and `--conditions` carry over). */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** `child_process.fork` of the child entry, with structured-clone ('advanced') IPC serialisation. */
export function forkLauncher(options: ForkLauncherOptions = {}): ChildLauncher {
  return {
    start: () =>
      fork(CHILD_FILE, [], {
        execArgv: [...(options.execArgv ?? process.execArgv)],
        env: options.env ?? process.env,
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
  };
}
