/**
 * The parent's side of a fork server: starts the server process (one per cow-fork stage and run), listens
 * on a private Unix socket for its children, and hands out `ForkedChild` handles as a `ChildLauncher`.
 * A server that dies mid-run is replaced on the next input; the children it had forked keep running and
 * answer over their own sockets, and one that had not connected fails its input with why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, MinigunError } from '@minigun/core';
import { deserializeError, type ParentMessage, type StageTarget } from '@minigun/core/toolkit';
import { FrameDecoder, encodeFrame } from './frames.js';
import { ForkedChild, type ForkRequester } from './forked-child.js';
import type { ChildLauncher } from './launcher.js';
import type { FromServer, ToServer } from './server-protocol.js';

/** Servers that die mid-run are replaced up to this many times per run. */
const MAX_RESTARTS = 10;

const SERVER_FILE = fileURLToPath(new URL('../dist/fork-server.js', import.meta.url));

/** Flags a fork server must not inherit: loaders start a thread (the server refuses threads), the inspector too. */
const DROPPED_FLAGS = /^--(?:import|loader|experimental-loader|require|inspect(?:-brk|-port|-wait)?|debug-port|watch(?:-path)?)(?:=|$)|^-r$/;

export interface ForkServerOptions {
  readonly target: StageTarget;
  readonly where: { readonly pipeline: string; readonly stage: string };
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Node flags for the server: --single-threaded, then the caller's flags without loaders and inspector. */
export function serverExecArgv(execArgv: readonly string[]): string[] {
  const out = ['--single-threaded'];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if (!DROPPED_FLAGS.test(flag)) {
      out.push(flag);
      continue;
    }
    // `--import tsx` (separate value) drops the value too.
    if (!flag.includes('=') && i + 1 < execArgv.length && !execArgv[i + 1]!.startsWith('-')) i++;
  }
  return out;
}

/**
 * The server's environment: NODE_OPTIONS without the flags `serverExecArgv` drops (a `--import tsx` there
 * would start a loader thread in the server, and its children would inherit the flag).
 */
export function serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = env.NODE_OPTIONS;
  if (options === undefined || options === '') return env;
  return { ...env, NODE_OPTIONS: serverExecArgv(options.split(/\s+/).filter(Boolean)).slice(1).join(' ') };
}

interface ServerProcess {
  readonly process: ChildProcess;
  readonly control: Socket;
  /** Resolves with the server's pid once it can fork. */
  readonly ready: Promise<number>;
  pid: number;
  up: boolean;
}

export type ForkServerStart = { readonly server: ForkServer } | { readonly refused: string };

export class ForkServer implements ChildLauncher, ForkRequester {
  private current: ServerProcess | undefined;
  /** Why no server can run the stage (its module, stage or preload failed): every child fails with it. */
  private failure: Error | undefined;
  private readonly children = new Map<number, ForkedChild>();
  /** Which server process each child was asked of (a replaced server's children are orphans). */
  private readonly forkedBy = new WeakMap<ForkedChild, ServerProcess>();
  private readonly sockets = new Set<Socket>();
  private nextId = 1;
  private closing = false;
  /** Servers that died mid-run and were replaced. */
  restarts = 0;

  private constructor(
    private readonly options: ForkServerOptions,
    private readonly dir: string,
    private readonly listener: Server,
  ) {}

  /**
   * Starts a server for the stage and waits until it has imported the module and run the preload hooks.
   * `refused`: it cannot fork safely here (then the caller spawns, or fails with the reason).
   */
  static async start(options: ForkServerOptions): Promise<ForkServerStart> {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-forkserver-'));
    const listener = createServer();
    const server = new ForkServer(options, dir, listener);
    listener.on('connection', (socket) => server.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(server.socketPath, () => resolve());
      });
      const first = server.spawnServer();
      server.current = first;
      await first.ready;
    } catch (error) {
      if (error instanceof Refused) {
        await server.close();
        return { refused: error.message };
      }
      if (!(error instanceof ServerFailed)) {
        await server.close();
        throw error;
      }
      server.failure = error.cause as Error;
    }
    return { server };
  }

  get socketPath(): string {
    return join(this.dir, 's');
  }

  /** The running server's pid (0 when none runs). */
  get pid(): number {
    return this.current?.up === true ? this.current.pid : 0;
  }

  // ---- ChildLauncher --------------------------------------------------------------------------------------

  start(): ForkedChild {
    const child = new ForkedChild(this.nextId++, this);
    this.children.set(child.id, child);
    child.once('close', () => this.children.delete(child.id));
    return child;
  }

  // ---- ForkRequester --------------------------------------------------------------------------------------

  async ready(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.restarts > MAX_RESTARTS) throw this.failure;
    await this.server().ready;
  }

  fork(child: ForkedChild, messages: readonly ParentMessage[]): void {
    let server: ServerProcess;
    try {
      server = this.server();
    } catch (error) {
      // Closed meanwhile: the child is never forked, and its input fails with why.
      child.forkFailed((error as Error).message);
      return;
    }
    this.forkedBy.set(child, server);
    server.ready.then(
      () => this.write(server, { t: 'fork', id: child.id, messages }),
      () => child.forkFailed(this.failure?.message ?? 'the fork server could not start'),
    );
  }

  kill(child: ForkedChild, signal: number): void {
    const server = this.current;
    if (server?.up === true) this.write(server, { t: 'kill', id: child.id, signal });
    else if (child.pid !== undefined) {
      // Its server is gone (it is an orphan now): signal it directly.
      try {
        process.kill(child.pid, signal);
      } catch {
        // gone too
      }
    }
  }

  /** Ends the server (its control channel closes: it kills what it still runs and exits) and the listener. */
  async close(): Promise<void> {
    this.closing = true;
    const server = this.current;
    this.current = undefined;
    if (server !== undefined && server.process.exitCode === null && server.process.signalCode === null) {
      const exited = new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
      server.control.end();
      const timer = setTimeout(() => server.process.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- internals ------------------------------------------------------------------------------------------

  /** The server to fork from: the running one, or a replacement for one that died. */
  private server(): ServerProcess {
    if (this.current === undefined || this.current.process.exitCode !== null || this.current.process.signalCode !== null) {
      const { where } = this.options;
      if (this.closing) throw new MinigunError(ErrorCodes.CANCELLED, `Stage "${where.stage}" was closed.`, where);
      if (++this.restarts > MAX_RESTARTS)
        this.failure ??= new MinigunError(
          ErrorCodes.WORKER_DIED,
          `The fork server of stage "${where.stage}" (pipeline "${where.pipeline}") died ${MAX_RESTARTS} times in this run; it is not started again. Look for what kills it (out of memory?), or use start: 'spawn'.`,
          where,
        );
      this.current = this.spawnServer();
      this.current.ready.catch(() => undefined); // told to each child that waits on it
    }
    return this.current;
  }

  private spawnServer(): ServerProcess {
    const proc = spawn(process.execPath, [...serverExecArgv(this.options.execArgv ?? process.execArgv), SERVER_FILE], {
      env: serverEnv(this.options.env ?? process.env),
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    });
    const control = proc.stdio[3] as Socket;
    const decoder = new FrameDecoder();
    let settle: { resolve: (pid: number) => void; reject: (error: Error) => void } | undefined;
    const ready = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
    const server: ServerProcess = { process: proc, control, ready, pid: proc.pid ?? 0, up: false };
    const { where } = this.options;
    control.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk) as FromServer[]) {
        switch (m.t) {
          case 'ready':
            server.up = true;
            settle?.resolve(m.pid);
            break;
          case 'refused':
            settle?.reject(new Refused(m.reason));
            break;
          case 'failed':
            {
              const error = deserializeError(m.error);
              this.failure ??= error;
              settle?.reject(new ServerFailed(error));
              break;
            }
            break;
          case 'forked':
            this.children.get(m.id)?.forked(m.pid);
            break;
          case 'forkFailed':
            this.children.get(m.id)?.forkFailed(m.message);
            break;
          case 'exit':
            this.children.get(m.id)?.exited(m.code, m.signal);
            break;
        }
      }
    });
    control.on('error', () => undefined); // the server's exit tells
    proc.on('error', (error) => settle?.reject(error));
    proc.once('exit', (code, signal) => {
      server.up = false;
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      settle?.reject(
        new ServerFailed(
          new MinigunError(
            ErrorCodes.WORKER_DIED,
            `The fork server of stage "${where.stage}" (pipeline "${where.pipeline}") ${how} before it was ready.`,
            where,
          ),
        ),
      );
      if (this.closing) return;
      // Its children that have not ended will not be reaped by it; the next input starts a new server.
      for (const child of this.children.values()) if (this.forkedBy.get(child) === server) child.orphaned(`its fork server (pid ${server.pid}) ${how}`);
    });
    control.write(encodeFrame({ t: 'init', target: this.options.target, socket: this.socketPath } satisfies ToServer));
    return server;
  }

  private write(server: ServerProcess, message: ToServer): void {
    if (server.up) server.control.write(encodeFrame(message));
  }

  /** A child's socket: its first frame says which child it is. */
  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // its close tells the child's handle
    const decoder = new FrameDecoder();
    let child: ForkedChild | undefined;
    socket.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk)) {
        if (child === undefined) {
          const hello = m as { t?: string; id?: number };
          child = hello.t === 'hello' && typeof hello.id === 'number' ? this.children.get(hello.id) : undefined;
          if (child === undefined) {
            socket.destroy();
            return;
          }
          child.attach(socket);
          continue;
        }
        child.deliver(m);
      }
    });
  }
}

/** The server cannot fork safely; the message says why. */
class Refused extends Error {}

/** The stage cannot run in the server (module, stage, preload): `cause` is the error each input fails with. */
class ServerFailed extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}
