/**
 * What an `ipc-fork` stage does when one of its children dies, and when it gives up. A death is a child that
 * exits without the parent asking it to (recycling, the end of the run and a failed setup are asked for),
 * including a child that could not be started. Modes:
 * - `permanent`: every death is replaced; each one counts against the limit.
 * - `transient`: only an abnormal death (an exit code other than 0, a signal, a failed start) is a failure:
 *   it counts against the limit and is replaced while within it. A child that exits with code 0 ended its
 *   own service: it is replaced like a recycled child and not counted.
 * - `never`: a dead child is not replaced; its place in the pool stays empty for the rest of the run.
 * The limit is a sliding window over the stage (all its children together): more than `maxRestarts` counted
 * deaths within `restartWindowMs` stop the stage from starting children.
 */
import { ErrorCodes, MinigunError } from '@minigun/core';
import type { Where } from './child-worker.js';

export type RestartMode = 'never' | 'transient' | 'permanent';

export interface RestartOptions {
  readonly restart: RestartMode;
  /** Counted deaths replaced within any `restartWindowMs`; one more stops the stage. `Infinity`: no limit. */
  readonly maxRestarts: number;
  /** The sliding window of the limit, in ms. `Infinity`: the whole run. */
  readonly restartWindowMs: number;
}

export const RESTART_DEFAULTS: RestartOptions = { restart: 'permanent', maxRestarts: 5, restartWindowMs: 60_000 };

/** How a child ended: its exit code, or the signal that killed it (both null: it could not be started). */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** `replace`: start another child on next use; `leave-empty`: its place stays empty; `stop`: start no more children. */
export type RestartVerdict = 'replace' | 'leave-empty' | 'stop';

export class RestartPolicy {
  /** When each counted death happened, oldest first; only those within the window are kept. */
  private readonly deaths: number[] = [];

  constructor(
    private readonly options: RestartOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Decides what follows a death, and counts it when it is a failure of the policy's kind. */
  onDeath(exit: ChildExit): RestartVerdict {
    const { restart, maxRestarts, restartWindowMs } = this.options;
    if (restart === 'never') return 'leave-empty';
    if (restart === 'transient' && exit.code === 0 && exit.signal === null) return 'replace';
    const now = this.now();
    this.deaths.push(now);
    while (this.deaths.length > 0 && now - this.deaths[0]! > restartWindowMs) this.deaths.shift();
    return this.deaths.length > maxRestarts ? 'stop' : 'replace';
  }

  /** The error for inputs once the limit stopped the stage. `lastExit` says how the last child ended ("exited with code 3"). */
  limitReached(where: Where, lastExit: string): MinigunError {
    const { restart, maxRestarts, restartWindowMs } = this.options;
    const n = this.deaths.length;
    const how = restart === 'transient' ? ' abnormally' : '';
    const died = n === 1 ? `a child died${how}` : `${n} of its children died${how} within ${Math.round(this.deaths[n - 1]! - this.deaths[0]!)} ms`;
    const window = restartWindowMs === Infinity ? 'in a run' : `within restartWindowMs (${restartWindowMs} ms)`;
    return new MinigunError(
      ErrorCodes.WORKER_DIED,
      `Stage "${where.stage}" (pipeline "${where.pipeline}") hit its restart limit and starts no more child processes: ${died}, ` +
        `more than maxRestarts (${maxRestarts}) allows ${window} with restart: '${restart}'; ${n === 1 ? 'it' : 'the last one'} ${lastExit}. ` +
        "This input was not run. Find out why the children die (the stage's first errors say how each one ended), " +
        'or raise maxRestarts or shorten restartWindowMs in the ipc-fork options if such deaths are expected.',
      where,
    );
  }

  /** The error for inputs once every place of a `never` pool has lost its child. */
  noChildLeft(where: Where, children: number, lastExit: string): MinigunError {
    const all = children === 1 ? 'its only child process' : `all ${children} of its child processes`;
    return new MinigunError(
      ErrorCodes.WORKER_DIED,
      `Stage "${where.stage}" (pipeline "${where.pipeline}") has no child process left: ${all} died and restart: 'never' replaces none; ` +
        `the last one ${lastExit}. This input was not run. Use restart: 'transient' or 'permanent' in the ipc-fork options to replace ` +
        "children that die, or find out why they die (the stage's first errors say how each one ended).",
      where,
    );
  }
}
