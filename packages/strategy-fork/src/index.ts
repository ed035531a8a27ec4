/**
 * @minigun/strategy-fork — run stages in child processes:
 * - `cow-fork`: a fresh child per input (the observable semantics of Ruby's copy-on-write fork), with
 *   pre-started spares that hide process start-up;
 * - `ipc-fork`: a pool of `concurrency` persistent children kept for the run.
 *
 *   import { Registry } from '@minigun/core';
 *   import { forkStrategies } from '@minigun/strategy-fork';
 *   const registry = new Registry().use(forkStrategies());
 *   // or: import '@minigun/strategy-fork/register';  (adds them to defaultRegistry)
 */
import type { MinigunPlugin, Strategy } from '@minigun/core';
import { rejectCustomStage } from '@minigun/core/toolkit';
import { CowForkExecutor } from './cow-executor.js';
import { IpcForkExecutor } from './ipc-executor.js';
import { forkLauncher, type ChildLauncher, type ForkLauncherOptions } from './launcher.js';

export { forkLauncher, type ChildLauncher, type ForkLauncherOptions } from './launcher.js';

export interface ForkStrategyOptions {
  /** `cow-fork`: children started ahead, waiting for an input. Default: the stage's concurrency. 0 disables. */
  spares?: number;
  /** `ipc-fork`: largest number of inputs sent to a child in one message (adaptive chunking). Default 64. */
  maxChunk?: number;
  /** `ipc-fork`: replace a child after it ran this many inputs. */
  recycleAfter?: number;
  /** `ipc-fork`: replace a child whose resident memory exceeds this many MB. */
  maxRssMb?: number;
  /** How long a child may take to exit when asked before it is killed (ms). Default 5000. */
  exitGraceMs?: number;
  /** How children are started. Default: `forkLauncher()` (child_process.fork, advanced serialisation). */
  launcher?: ChildLauncher;
  /** Options for the default launcher (execArgv, env). */
  fork?: ForkLauncherOptions;
}

/** The `cow-fork` strategy. */
export function cowForkStrategy(options: ForkStrategyOptions = {}): Strategy {
  const launcher = options.launcher ?? forkLauncher(options.fork);
  return {
    name: 'cow-fork',
    isolated: true,
    validate: (stage) => rejectCustomStage('cow-fork', stage),
    createExecutor: (host) =>
      new CowForkExecutor(host, { launcher, spares: Math.max(0, options.spares ?? host.stage.options.concurrency), exitGraceMs: options.exitGraceMs ?? 5000 }),
  };
}

/** The `ipc-fork` strategy. */
export function ipcForkStrategy(options: ForkStrategyOptions = {}): Strategy {
  const launcher = options.launcher ?? forkLauncher(options.fork);
  const maxChunk = Math.max(1, Math.floor(options.maxChunk ?? 64));
  return {
    name: 'ipc-fork',
    isolated: true,
    validate: (stage) => rejectCustomStage('ipc-fork', stage),
    slots: (stage) => stage.options.concurrency * maxChunk,
    createExecutor: (host) =>
      new IpcForkExecutor(host, {
        launcher,
        maxChunk,
        recycleAfter: options.recycleAfter,
        maxRssMb: options.maxRssMb,
        exitGraceMs: options.exitGraceMs ?? 5000,
      }),
  };
}

/** The plugin: both strategies, for `registry.use(forkStrategies())`. */
export function forkStrategies(options: ForkStrategyOptions = {}): MinigunPlugin {
  return { name: '@minigun/strategy-fork', strategies: [cowForkStrategy(options), ipcForkStrategy(options)] };
}
