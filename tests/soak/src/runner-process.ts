/**
 * The soak's handle on the round runner (runner.ts): starts it with an IPC channel, its own temporary
 * directory and the soak's environment token, waits for its messages with a timeout, sends it signals, and
 * ends it (and whatever it started) when the soak is over or when it hangs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childrenOf } from '@minigun/test-utils';
import { processesWithEnv } from './probes.js';
import type { FromRunner, ToRunner } from './runner.js';

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));
/** The environment variable that marks every process of one soak (the runner and all it starts). */
export const TOKEN_VAR = 'MINIGUN_SOAK_TOKEN';
const TAIL_LINES = 40;

export type RunnerEvent = FromRunner | { readonly t: 'exit'; readonly code: number | null; readonly signal: NodeJS.Signals | null } | { readonly t: 'timeout' };

export class RunnerProcess {
  private readonly inbox: RunnerEvent[] = [];
  private waiter?: (m: RunnerEvent) => void;
  private readonly stderr: string[] = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    /** The runner's temporary directory (its TMPDIR). */
    readonly tmp: string,
    readonly token: string,
  ) {
    child.on('message', (m: FromRunner) => this.deliver(m));
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.deliver({ t: 'exit', code, signal });
    });
    const keep = (chunk: Buffer): void => {
      this.stderr.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== ''),
      );
      this.stderr.splice(0, Math.max(0, this.stderr.length - TAIL_LINES));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /** Starts a runner whose temporary directory is `tmp`; resolves with it and its memory once it is ready. */
  static async start(tmp: string, token: string): Promise<{ runner: RunnerProcess; rss: number }> {
    mkdirSync(tmp, { recursive: true });
    const child = fork(RUNNER, [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, TMPDIR: tmp, [TOKEN_VAR]: token },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const runner = new RunnerProcess(child, tmp, token);
    const ready = await runner.next(60_000);
    if (ready.t !== 'ready') {
      await runner.kill();
      throw new Error(`the round runner did not start (${JSON.stringify(ready)}): ${runner.tail().join('\n')}`);
    }
    return { runner, rss: ready.rss };
  }

  get pid(): number {
    return this.child.pid!;
  }

  send(m: ToRunner): void {
    this.child.send(m);
  }

  signal(name: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(name);
  }

  /** The next message, the runner's exit, or a timeout. */
  next(timeoutMs: number): Promise<RunnerEvent> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ t: 'timeout' });
      }, timeoutMs);
      this.waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  /** The last lines the runner wrote (stdout and stderr). */
  tail(): string[] {
    return [...this.stderr];
  }

  /** Other processes of this soak: neither the runner nor its children (they were children of a runner and outlived it, or left it). */
  strays(): number[] {
    const own = new Set([this.pid, ...childrenOf(this.pid)]);
    return processesWithEnv(TOKEN_VAR, this.token).filter((pid) => !own.has(pid));
  }

  /** Ends the runner normally (it exits when its channel disconnects). */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.disconnect();
    const end = await this.next(10_000);
    if (end.t !== 'exit') await this.kill();
  }

  /** SIGKILLs the runner and every process of this soak. */
  async kill(): Promise<void> {
    for (const pid of [...childrenOf(this.pid), ...processesWithEnv(TOKEN_VAR, this.token)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    if (!this.exited) {
      this.child.kill('SIGKILL');
      while ((await this.next(10_000)).t !== 'exit' && !this.exited);
    }
  }

  private deliver(m: RunnerEvent): void {
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.inbox.push(m);
      return;
    }
    this.waiter = undefined;
    waiter(m);
  }
}

export const runnerTmp = (workDir: string, generation: number): string => join(workDir, `tmp-${generation}`);
