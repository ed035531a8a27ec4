/**
 * How a child process is started, behind an interface so that other start methods (a fork server, a
 * zygote that clones a warm process) can be added without touching the executors.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Resolved from src/ (tests) and dist/ alike: the built child entry. */
const CHILD_FILE = fileURLToPath(new URL('../dist/child.js', import.meta.url));

/**
 * What the strategies use of a started child: spawn's ChildProcess, or a fork server's child. `exitReason`
 * says why it ended when no exit status could be had.
 */
export interface ChildHandle {
  readonly pid?: number | undefined;
  readonly connected: boolean;
  readonly exitReason?: string;
  send(message: unknown): boolean;
  kill(signal?: NodeJS.Signals | number): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** After every message has arrived. */
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface ChildLauncher {
  start(): ChildHandle;
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
