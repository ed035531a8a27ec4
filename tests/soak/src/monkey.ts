/**
 * The chaos monkey: while a round runs, it SIGKILLs a random Minigun child process of this process every so
 * often (pauses drawn around a mean from the round's seed). Victims are found by scanning /proc for children
 * that run the fork strategies' child entry, which also finds cow-fork spares waiting for an input; the
 * run's latest progress event says which stage a child works for. Worker threads are not killed from here:
 * the user-visible way a worker thread dies is a stage calling process.exit() in it, which the pipeline's
 * thread stage does on its own (soak-pipeline.mjs).
 */
import type { ProgressEvent } from '@minigun/core';
import { minigunChildren } from '@minigun/test-utils';
import type { Prng } from './prng.js';

/** Whom a SIGKILL hit: an ipc-fork child, a cow-fork child holding its input, or a child no stage reported (a cow-fork spare, or a child still starting). */
export type KillKind = 'ipc-fork' | 'cow-fork' | 'unassigned';

export const KILL_KINDS: readonly KillKind[] = ['ipc-fork', 'cow-fork', 'unassigned'];

export class ChaosMonkey {
  readonly kills: Record<KillKind, number> = { 'ipc-fork': 0, 'cow-fork': 0, unassigned: 0 };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly prng: Prng,
    private readonly meanPauseMs: number,
    /** The run's latest progress event, if any. */
    private readonly latest: () => ProgressEvent | undefined,
  ) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.strike();
      this.start();
    }, this.prng.between(0.5, 1.5) * this.meanPauseMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private strike(): void {
    const victims = minigunChildren();
    if (victims.length === 0) return;
    const pid = this.prng.pick(victims);
    const kind = this.kindOf(pid);
    try {
      process.kill(pid, 'SIGKILL');
      this.kills[kind]++;
    } catch {
      // It exited between the scan and the kill: nothing was hit, nothing is counted.
    }
  }

  private kindOf(pid: number): KillKind {
    const stages = this.latest()?.stages ?? {};
    if (stages.ipc?.workers?.some((w) => w.pid === pid)) return 'ipc-fork';
    if (stages.cow?.workers?.some((w) => w.pid === pid)) return 'cow-fork';
    return 'unassigned';
  }
}
