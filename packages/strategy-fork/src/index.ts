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
import { ErrorCodes, MinigunError, type MinigunPlugin, type Strategy } from '@minigun/core';
import { WarmPools, checkFactoryOptions, keepAliveIdleMs, keepAliveRule, optionRules, type KeepAliveOptions, type OptionRule } from '@minigun/core/toolkit';
import type { ChildWorker } from './child-worker.js';
import { IpcForkExecutor } from './ipc-executor.js';
import { forkLauncher, type ChildLauncher, type ForkLauncherOptions } from './launcher.js';
import { RESTART_DEFAULTS, type RestartMode } from './restart-policy.js';
import { createCowExecutor, START_METHODS, type StartMethod } from './start-method.js';

export { forkLauncher, type ChildHandle, type ChildLauncher, type ForkLauncherOptions } from './launcher.js';
export type { StartMethod } from './start-method.js';
export type { RestartMode } from './restart-policy.js';

export interface ForkStrategyOptions {
  /**
   * `cow-fork`: children started ahead, waiting for an input. A whole number from 0 (disables) to 256;
   * default: the stage's concurrency.
   */
  spares?: number;
  /**
   * `cow-fork`: how each input's child starts. `'spawn'`: a new Node process (started ahead as spares).
   * `'forkserver'`: fork(2) from a server process per stage that imported the module and ran the preload
   * hooks once (Linux, with the bundled addon; the module must not start threads, timers or sockets at
   * import). `'auto'` (default): the fork server where it is available, else spawn. The choice is in
   * `result.stats.stages[name].strategyDetails`.
   */
  start?: StartMethod;
  /** `ipc-fork`: largest number of inputs sent to a child in one message (adaptive chunking). 1 to 10,000; default 64. */
  maxChunk?: number;
  /** `ipc-fork`: replace a child after it ran this many inputs (a whole number of at least 1). Default: never. */
  recycleAfter?: number;
  /** `ipc-fork`: replace a child whose resident memory exceeds this many MB (above 0). Default: never. */
  maxRssMb?: number;
  /**
   * `ipc-fork`: what follows the death of a child (an exit the parent did not ask for; recycling is not one).
   * `'permanent'` (default): replaced, each death counts against the limit. `'transient'`: an abnormal death
   * (exit code other than 0, a signal) is replaced within the limit; an exit with code 0 is replaced like a
   * recycled child and not counted. `'never'`: not replaced; once no child is left, the inputs fail.
   */
  restart?: RestartMode;
  /**
   * `ipc-fork`: more counted deaths than this within `restartWindowMs` stop the stage from starting children;
   * its queued and later inputs then fail with ERR_MINIGUN_WORKER_DIED. A whole number of at least 0, or
   * Infinity (no limit). Default 5. Not with `restart: 'never'`.
   */
  maxRestarts?: number;
  /** `ipc-fork`: the sliding window of `maxRestarts`, in ms (above 0; Infinity: the whole run). Default 60000. Not with `restart: 'never'`. */
  restartWindowMs?: number;
  /** How long a child may take to exit when asked before it is killed (ms, 0 to 2^31 - 1). Default 5000. */
  exitGraceMs?: number;
  /** How children are started. Default: `forkLauncher(fork)` (child_process.fork, advanced serialisation). */
  launcher?: ChildLauncher;
  /** Options for the default launcher (execArgv, env); not with `launcher`, which starts children its own way. */
  fork?: ForkLauncherOptions;
  /**
   * `ipc-fork`: keep each stage's children between runs of its pipeline (opt-in), ended after `idleMs`
   * without a run (default 30000) or by `registry.close()`. `true` is `{ idleMs: 30000 }`. A kept child
   * keeps its imported modules (module-level variables persist); each run still runs beforeFork, sends it
   * its own state snapshot and runs `afterFork` in it, and `ctx.state` is that run's. Idle kept children
   * never keep the process alive (and exit when it does).
   */
  keepAlive?: boolean | KeepAliveOptions;
}

const COMMON = {
  exitGraceMs: optionRules.milliseconds(),
  launcher: optionRules.methods('start'),
  fork: optionRules.object({ execArgv: optionRules.strings(), env: optionRules.object() }),
};
const COW_RULES = { ...COMMON, spares: optionRules.integer(0, 256), start: optionRules.oneOf(START_METHODS) };
const IPC_RULES = {
  ...COMMON,
  maxChunk: optionRules.integer(1, 10_000),
  recycleAfter: optionRules.integer(1),
  maxRssMb: optionRules.number(0, Number.MAX_VALUE, true),
  restart: optionRules.oneOf(['never', 'transient', 'permanent']),
  maxRestarts: {
    expected: 'a whole number of at least 0, or Infinity (no limit)',
    check: (v: unknown) => v === Infinity || (typeof v === 'number' && Number.isInteger(v) && v >= 0),
  },
  restartWindowMs: {
    expected: 'a number of milliseconds above 0, or Infinity (the whole run)',
    check: (v: unknown) => typeof v === 'number' && v > 0,
  },
  keepAlive: keepAliveRule,
} satisfies Record<string, OptionRule>;
const IPC_ONLY = 'it is an ipc-fork option (cow-fork runs one input per fresh child); give it to ipcForkStrategy() or forkStrategies()';
const NOT_COW = {
  maxChunk: IPC_ONLY,
  recycleAfter: IPC_ONLY,
  maxRssMb: IPC_ONLY,
  restart: IPC_ONLY,
  maxRestarts: IPC_ONLY,
  restartWindowMs: IPC_ONLY,
  keepAlive: IPC_ONLY,
};
const COW_ONLY = 'it is a cow-fork option (ipc-fork keeps its children for the run); give it to cowForkStrategy() or forkStrategies()';
const NOT_IPC = { spares: COW_ONLY, start: COW_ONLY };

/** Checks `options` against `rules` once, in the name of `factory`; `launcher` and `fork` exclude each other. */
function check(factory: string, options: ForkStrategyOptions, rules: Record<string, OptionRule>, elsewhere: Record<string, string>): void {
  checkFactoryOptions(factory, options, rules, elsewhere);
  if (options.launcher !== undefined && options.fork !== undefined) {
    throw new MinigunError(
      ErrorCodes.INVALID_OPTION,
      `${factory}: options launcher and fork exclude each other (fork configures the default launcher, which launcher replaces). Pass execArgv and env to your launcher instead.`,
    );
  }
  if (options.launcher !== undefined && options.start === 'forkserver') {
    throw new MinigunError(
      ErrorCodes.INVALID_OPTION,
      `${factory}: options launcher and start: 'forkserver' exclude each other (a fork server forks its children itself; launcher spawns them). Remove launcher, or use start: 'spawn' or 'auto'.`,
    );
  }
  if (options.restart === 'never') {
    const limit = (['maxRestarts', 'restartWindowMs'] as const).find((key) => options[key] !== undefined);
    if (limit !== undefined)
      throw new MinigunError(
        ErrorCodes.INVALID_OPTION,
        `${factory}: option ${limit} has no effect with restart: 'never' (a child that dies is never replaced, so there is no restart to limit). Remove ${limit}, or use restart: 'transient' or 'permanent'.`,
      );
  }
}

function cowFork(options: ForkStrategyOptions): Strategy {
  const launcher = options.launcher ?? forkLauncher(options.fork);
  // A launcher of the caller's own starts every child: the fork server is not used with it.
  const start: StartMethod = options.launcher !== undefined ? 'spawn' : (options.start ?? 'auto');
  return {
    name: 'cow-fork',
    isolated: true,
    createExecutor: (host) =>
      createCowExecutor(host, start, {
        launcher,
        spares: options.spares ?? host.stage.options.concurrency,
        exitGraceMs: options.exitGraceMs ?? 5000,
        fork: options.fork,
      }),
  };
}

function ipcFork(options: ForkStrategyOptions): Strategy {
  const launcher = options.launcher ?? forkLauncher(options.fork);
  const maxChunk = options.maxChunk ?? 64;
  const exitGraceMs = options.exitGraceMs ?? 5000;
  const idleMs = keepAliveIdleMs(options.keepAlive);
  const warm =
    idleMs === undefined
      ? undefined
      : new WarmPools<ChildWorker[]>(idleMs, async (children) => {
          // Counted again while they exit: close() resolves once they are gone.
          for (const c of children) c.ref();
          await Promise.all(children.map((c) => c.shutdown(exitGraceMs)));
        });
  return {
    name: 'ipc-fork',
    isolated: true,
    slots: (stage) => stage.options.concurrency * maxChunk,
    createExecutor: (host) =>
      new IpcForkExecutor(host, {
        launcher,
        maxChunk,
        recycleAfter: options.recycleAfter,
        maxRssMb: options.maxRssMb,
        exitGraceMs,
        restart: {
          restart: options.restart ?? RESTART_DEFAULTS.restart,
          maxRestarts: options.maxRestarts ?? RESTART_DEFAULTS.maxRestarts,
          restartWindowMs: options.restartWindowMs ?? RESTART_DEFAULTS.restartWindowMs,
        },
        warm,
      }),
    close: async () => warm?.close(),
  };
}

/** The `cow-fork` strategy (options: start, spares, exitGraceMs, launcher or fork). */
export function cowForkStrategy(options: ForkStrategyOptions = {}): Strategy {
  check('cowForkStrategy()', options, COW_RULES, NOT_COW);
  return cowFork(options);
}

/** The `ipc-fork` strategy (options: maxChunk, recycleAfter, maxRssMb, restart, maxRestarts, restartWindowMs, keepAlive, exitGraceMs, launcher or fork). */
export function ipcForkStrategy(options: ForkStrategyOptions = {}): Strategy {
  check('ipcForkStrategy()', options, IPC_RULES, NOT_IPC);
  return ipcFork(options);
}

/** The plugin: both strategies, for `registry.use(forkStrategies())`; each takes the options that are its own. */
export function forkStrategies(options: ForkStrategyOptions = {}): MinigunPlugin {
  check('forkStrategies()', options, { ...COW_RULES, ...IPC_RULES }, {});
  return { name: '@minigun/strategy-fork', strategies: [cowFork(options), ipcFork(options)] };
}
