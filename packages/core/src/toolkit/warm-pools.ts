/**
 * Warm pools for `keepAlive`: a strategy instance keeps the workers of a stage between runs, so that the
 * next run of the same stage skips thread or process start-up and the module import. A run takes the pool
 * of its stage (by key) when one is idle, and gives it back when it ends cleanly; an idle pool is ended
 * after `idleMs` (an unref'd timer: it never keeps the process alive), and `close()` ends every idle pool
 * and each one given back afterwards.
 */
import { optionRules, type OptionRule } from './factory-options.js';

export interface KeepAliveOptions {
  /** How long an idle pool is kept after a run before its workers end (ms, 0 to 2^31 - 1). Default 30000. */
  readonly idleMs?: number;
}

/** The `keepAlive` option of a strategy factory: `true`, `false`, or `{ idleMs }`. */
export const keepAliveRule: OptionRule = {
  expected: 'true, false, or an object with idleMs (a number of milliseconds from 0 to 2147483647)',
  check: (v) => typeof v === 'boolean' || optionRules.object({ idleMs: optionRules.milliseconds() }).check(v),
};

export const DEFAULT_IDLE_MS = 30_000;

/** The idle time of `keepAlive`, or undefined when pools are not kept. */
export function keepAliveIdleMs(option: boolean | KeepAliveOptions | undefined): number | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? DEFAULT_IDLE_MS : (option.idleMs ?? DEFAULT_IDLE_MS);
}

export class WarmPools<P> {
  private readonly idle = new Map<string, { pool: P; timer: NodeJS.Timeout }>();
  private readonly ending = new Set<Promise<void>>();
  private closed = false;

  /** `end` ends a pool for good (its workers exit); it must not reject. */
  constructor(
    private readonly idleMs: number,
    private readonly end: (pool: P) => Promise<void>,
  ) {}

  /** The idle pool kept under `key`, now in use by the caller, if there is one. */
  take(key: string): P | undefined {
    const kept = this.idle.get(key);
    if (kept === undefined) return undefined;
    this.idle.delete(key);
    clearTimeout(kept.timer);
    return kept.pool;
  }

  /** Gives back a pool whose run ended cleanly: kept idle under `key`, or ended (after close, or when another is kept). */
  keep(key: string, pool: P): void {
    if (this.closed || this.idle.has(key)) {
      this.finish(pool);
      return;
    }
    const timer = setTimeout(() => {
      if (this.idle.get(key)?.pool !== pool) return;
      this.idle.delete(key);
      this.finish(pool);
    }, this.idleMs);
    timer.unref();
    this.idle.set(key, { pool, timer });
  }

  /** Ends every idle pool (and those given back later); resolves once they have ended. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [key, kept] of this.idle) {
      clearTimeout(kept.timer);
      this.idle.delete(key);
      this.finish(kept.pool);
    }
    await Promise.all(this.ending);
  }

  private finish(pool: P): void {
    const ending = this.end(pool).finally(() => this.ending.delete(ending));
    this.ending.add(ending);
  }
}
