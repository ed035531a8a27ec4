/** Helpers of the strategy-bullmq tests (not a test file); the generic ones come from @minigun/test-utils. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Registry } from '@minigun/core';
import { bullmqStrategies, type BullmqStrategyOptions } from '@minigun/strategy-bullmq';
import { cleanupDirs } from '@minigun/test-utils';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from './redis-server.js';

export { cleanupDirs, codeOf, isAlive, itemErrors, sleep, sorted, stillAlive, tempDir, waitFor } from '@minigun/test-utils';
export { assertAccounting } from '@minigun/core/testing';

/** Short lock and stall intervals, so that lost workers show within seconds. */
export const FAST = { lockDurationMs: 1500, stalledIntervalMs: 500 } as const;

export const registry = (options: BullmqStrategyOptions): Registry => new Registry().use(bullmqStrategies({ ...FAST, ...options }));

/**
 * The test file's own redis-server: started before its first test, stopped after its last (then its temp
 * dirs are removed). The returned object stands for the server; use it inside tests and hooks. Hooks a file
 * registers after this call run after the start and before the stop.
 */
export function redisForFile(): RedisServer {
  let server: RedisServer | undefined;
  const current = (): RedisServer => {
    if (server === undefined) throw new Error('the test file’s redis-server is not started yet: use it inside a test or a hook');
    return server;
  };
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
    cleanupDirs();
  });
  return {
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    get process() {
      return current().process;
    },
    keys: (pattern) => current().keys(pattern),
    kill: () => current().kill(),
    stop: () => current().stop(),
  };
}

export const BIN = fileURLToPath(new URL('../bin/minigun-bullmq-worker.js', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `minigun-bullmq-worker` with `args`, resolving once it says what it serves. */
export async function startWorker(module: string, redisUrl: string, args: string[] = [], cwd?: string): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, module, '--redis', redisUrl, '--lock-duration-ms', String(FAST.lockDurationMs), '--stalled-interval-ms', String(FAST.stalledIntervalMs), ...args],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('serving')) {
    if (child.exitCode !== null) throw new Error(`the worker exited with code ${child.exitCode}: ${out}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start within 30 s: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    pid: child.pid!,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
