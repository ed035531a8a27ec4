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
  /** keepAlive: whether the process (and its IPC `channel`) keeps the parent alive. Absent: the handle never does (a fork server's child). */
  ref?(): void;
  unref?(): void;
  readonly channel?: unknown;
}

export interface ChildLauncher {
  start(): ChildHandle;
}

export interface ForkLauncherOptions {
  /**
   * Node flags for the children. Default: the parent's (so `--conditions` and other loaders carry over)
   * without TypeScript loaders (`--import tsx`, …): a child imports the JavaScript the parent compiled from a
   * `.ts` module, or registers tsx itself where compiling was impossible.
   */
  readonly execArgv?: readonly string[];
  /** Default: the parent's environment, with TypeScript loaders left out of NODE_OPTIONS. */
  readonly env?: NodeJS.ProcessEnv;
}

/** `child_process.fork` of the child entry, with structured-clone ('advanced') IPC serialisation. */
export function forkLauncher(options: ForkLauncherOptions = {}): ChildLauncher {
  return {
    start: () =>
      fork(CHILD_FILE, [], {
        execArgv: [...(options.execArgv ?? withoutTypeScriptLoaders(process.execArgv))],
        env: options.env ?? childEnv(),
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
  };
}

/** Loader flags and the TypeScript loaders they may name (the flag's value is matched). */
const LOADER_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
const TS_LOADER = /^(?:tsx|ts-node|@swc-node\/register|esbuild-register|@esbuild-kit\/)/;

/** `execArgv` without the flags that load a TypeScript loader (each is a loader thread and a second of start-up in a child). */
export function withoutTypeScriptLoaders(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    const eq = flag.indexOf('=');
    const name = eq === -1 ? flag : flag.slice(0, eq);
    if (!LOADER_FLAGS.has(name)) {
      out.push(flag);
      continue;
    }
    const value = eq === -1 ? execArgv[i + 1] : flag.slice(eq + 1);
    if (eq === -1) i++;
    if (value !== undefined && TS_LOADER.test(value)) continue;
    out.push(flag);
    if (eq === -1 && value !== undefined) out.push(value);
  }
  return out;
}

function childEnv(): NodeJS.ProcessEnv {
  const options = process.env.NODE_OPTIONS;
  if (options === undefined || options === '') return process.env;
  return { ...process.env, NODE_OPTIONS: withoutTypeScriptLoaders(options.split(/\s+/).filter(Boolean)).join(' ') };
}
