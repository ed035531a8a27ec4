/**
 * `localWorkers: n`: worker processes this parent starts for one stage and run, so that a laptop needs only
 * a Redis. They are ordinary `minigun-bullmq-worker` processes (the same entry remote machines run), told
 * which stage to serve; the connection travels in the environment, not on the command line (`ps` shows
 * the command line, and a URL may carry a password). They exit when asked, or when this parent is gone
 * (their IPC channel closes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RedisConnection } from './connection.js';

/** The built worker entry, resolved from src/ (tests) and dist/ alike. */
const WORKER_CLI = fileURLToPath(new URL('../dist/worker-cli.js', import.meta.url));

export interface LocalWorkerSpec {
  readonly module: string;
  readonly pipeline: string;
  readonly stage: string;
  readonly connection: RedisConnection;
  readonly prefix: string;
  readonly concurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
}

/** What a local worker tells the parent that started it, over their IPC channel. */
export type LocalWorkerMessage =
  | { readonly t: 'imported'; readonly served: ReadonlyArray<{ readonly pipeline: string; readonly stage: string; readonly fingerprint: string | null }> }
  | { readonly t: 'failed'; readonly message: string };

export class LocalWorkers {
  private readonly children: ChildProcess[] = [];
  private stopping = false;
  /**
   * The stage's fingerprint as the first local worker to import the module found it (null: the module lacks
   * the stage). Rejects, with what the workers said, if every one of them exits before telling it.
   */
  readonly fingerprint: Promise<string | null>;

  /** `onDeath` hears of a worker that exited without being asked (its jobs stall and fail or retry). */
  constructor(count: number, spec: LocalWorkerSpec, onDeath: (pid: number | undefined, how: string) => void) {
    const args = [
      spec.module,
      '--pipeline',
      spec.pipeline,
      '--stages',
      spec.stage,
      '--prefix',
      spec.prefix,
      '--concurrency',
      String(spec.concurrency),
      '--lock-duration-ms',
      String(spec.lockDurationMs),
      '--stalled-interval-ms',
      String(spec.stalledIntervalMs),
      '--quiet',
    ];
    const env = { ...process.env, MINIGUN_REDIS_CONNECTION: JSON.stringify(spec.connection) };
    let served: (fingerprint: string | null) => void = () => undefined;
    let failed: (error: Error) => void = () => undefined;
    this.fingerprint = new Promise((resolve, reject) => ((served = resolve), (failed = reject)));
    this.fingerprint.catch(() => undefined); // read by open(), which may have failed already
    const failures: string[] = [];
    let exited = 0;
    for (let i = 0; i < count; i++) {
      const child = fork(WORKER_CLI, args, { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m: LocalWorkerMessage) => {
        if (m.t === 'imported') served(m.served.find((s) => s.stage === spec.stage)?.fingerprint ?? null);
        else failures.push(`pid ${child.pid}: ${m.message}`);
      });
      child.once('exit', (code, signal) => {
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        if (++exited === count)
          failed(new Error(failures.length > 0 ? failures.join('; ') : `every local worker exited before importing the module (the last one ${how})`));
        if (!this.stopping) onDeath(child.pid, how);
      });
      this.children.push(child);
    }
  }

  get pids(): number[] {
    return this.children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  /**
   * Stops every worker: SIGTERM (a worker finishes its active jobs), then SIGKILL after `graceMs`.
   * Resolves once all have exited.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
  }
}
