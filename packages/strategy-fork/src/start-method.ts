/**
 * cow-fork's start methods: which one a stage gets, said once per run (in the log, and in
 * `result.stats.stages[name].strategyDetails`).
 * - 'forkserver' where the bundled addon loads and the server finds it safe to fork (see ./fork-server.ts);
 * - 'spawn' otherwise, and always with a launcher of the caller's own;
 * - 'auto' (default) tries the fork server and falls back to spawn, saying why.
 */
import { ErrorCodes, MinigunError, type StageExecutor, type StrategyHost } from '@minigun/core';
import { DeferredExecutor } from './deferred-executor.js';
import { CowForkExecutor } from './cow-executor.js';
import { ForkServer } from './fork-server-client.js';
import type { ChildLauncher, ForkLauncherOptions } from './launcher.js';
import { loadForkAddon } from './native.js';

const TS_MODULE = /\.(?:[cm]?ts|tsx)$/;

export type StartMethod = 'spawn' | 'forkserver' | 'auto';
export const START_METHODS: readonly StartMethod[] = ['spawn', 'forkserver', 'auto'];

export interface CowExecutorOptions {
  /** The spawn launcher. */
  readonly launcher: ChildLauncher;
  readonly spares: number;
  readonly exitGraceMs: number;
  readonly fork?: ForkLauncherOptions;
}

/**
 * The stage's executor: spawn's at once; the fork server's (or, for 'auto', spawn's if the server is not
 * available) once the server is up, behind a `DeferredExecutor` so that the run does not wait for it.
 */
export function createCowExecutor(host: StrategyHost, start: StartMethod, options: CowExecutorOptions): StageExecutor {
  if (start === 'spawn') return spawnExecutor(host, options);
  return new DeferredExecutor(forkServerExecutor(host, start, options));
}

function spawnExecutor(host: StrategyHost, options: CowExecutorOptions, requested?: StartMethod, reason?: string): CowForkExecutor {
  const details = reason === undefined ? { start: 'spawn' } : { start: 'spawn', requested, reason };
  // Debug level: the log's info goes to stdout, which a program (minigun run --json) may own.
  host.log.debug(reason === undefined ? 'cow-fork: start method spawn' : `cow-fork: start method spawn (the fork server is not used: ${reason})`);
  return new CowForkExecutor(host, { launcher: options.launcher, spares: options.spares, exitGraceMs: options.exitGraceMs, details: () => details });
}

async function forkServerExecutor(host: StrategyHost, start: StartMethod, options: CowExecutorOptions): Promise<CowForkExecutor> {
  const { stage } = host;
  const where = { pipeline: stage.pipeline, stage: stage.stage };
  const unavailable = (reason: string): CowForkExecutor => {
    if (start === 'auto') return spawnExecutor(host, options, start, reason);
    throw new MinigunError(
      ErrorCodes.WORKER_SETUP,
      `Stage "${stage.stage}" of pipeline "${stage.pipeline}" cannot use cow-fork's start: 'forkserver': ${reason}. Use start: 'spawn' (or 'auto', which falls back to it).`,
      where,
    );
  };
  const { reason } = loadForkAddon();
  if (reason !== undefined) return unavailable(reason);
  if (TS_MODULE.test(new URL(stage.module!, 'file:///').pathname))
    return unavailable(
      'the pipeline module is TypeScript, and loading it takes a module loader thread (tsx), which a forked child would lack; compile the module to JavaScript to use the fork server',
    );
  const started = await ForkServer.start({
    target: { module: stage.module!, pipeline: stage.pipeline, stage: stage.stage, transportModule: host.transport?.workerModule },
    where,
    execArgv: options.fork?.execArgv,
    env: options.fork?.env,
  });
  if ('refused' in started) return unavailable(started.refused);
  const server = started.server;
  host.log.debug(`cow-fork: start method forkserver (server pid ${server.pid})`);
  const serverPid = server.pid;
  return new CowForkExecutor(host, {
    launcher: server,
    // A fork costs far less than a spawn: no child is started ahead.
    spares: 0,
    exitGraceMs: options.exitGraceMs,
    details: () => ({ start: 'forkserver', serverPid, serverRestarts: server.restarts }),
    closeLauncher: () => server.close(),
  });
}
