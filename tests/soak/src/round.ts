/**
 * One round, run inside the round runner process: the soak pipeline over `config.count` inputs with the chaos
 * monkey loose, stopped by its AbortSignal (cancel rounds) or by the SIGINT the soak sends this process
 * (sigint rounds, under `handleSignals: true`); then the checks of verify.ts and the leak checks of
 * leaks.ts, and the process's memory once garbage is collected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressEvent, RunStatus } from '@minigun/core';
import { readJournal } from './pipeline/journal.mjs';
import { BATCH_SIZE, soakPipeline } from './pipeline/soak-pipeline.mjs';
import { ChaosMonkey, type KillKind } from './monkey.js';
import { describeLeaks, settle, type Baseline } from './leaks.js';
import { Prng } from './prng.js';
import { soakRegistry } from './registry.js';
import type { RoundConfig } from './round-config.js';
import { evidenceOf, verify, type Figures } from './verify.js';

/** The isolated stages' `retries` in soak-pipeline.mjs. */
const RETRIES = 2;
/** How long workers may take to be gone after the run returned. */
export const SETTLE_MS = 10_000;
/** How often the runner's memory is sampled during a round. */
export const SAMPLE_MS = 500;

/** A sample of this process's resident memory against the inputs produced so far in the soak. */
export interface RssSample {
  readonly items: number;
  readonly rss: number;
  /** The V8 heap in use, for the samples taken after a garbage collection. */
  readonly heap?: number;
}

export interface RoundReport {
  readonly config: RoundConfig;
  readonly status: RunStatus;
  /** Whether the stop (abort, SIGINT) reached the run before its end. */
  readonly stopped: boolean;
  readonly durationMs: number;
  readonly figures: Figures;
  readonly kills: Record<KillKind, number>;
  readonly violations: string[];
  readonly leaks: string[];
  /** The runner's idle state the leak checks compare with (set once its first round is over). */
  readonly baseline?: Baseline;
  /** Resident memory during the round (every 500 ms), then once garbage is collected after it. */
  readonly rss: { readonly during: RssSample[]; readonly settled: RssSample };
}

/** What the round runner keeps between rounds. */
export interface RunnerState {
  /** Inputs produced by the rounds so far. */
  items: number;
  /** Descriptors and threads once the first round is over and its workers are gone (taken again after a leak). */
  baseline?: Baseline;
  /** Set by the runner's SIGINT listener: whether the latest SIGINT came while a run was going and before its end. */
  sigint: { during: boolean };
  /** The current round's latest progress event (for the monkey and for diagnostics). */
  latest?: ProgressEvent;
  /** True while a run is going and has not sent its final progress event. */
  running: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

export async function runRound(config: RoundConfig, workDir: string, runner: RunnerState, started: () => void): Promise<RoundReport> {
  const journal = mkdtempSync(join(workDir, 'journal-'));
  const prng = new Prng(config.seed ^ 0x5bd1e995);
  runner.latest = undefined;
  runner.sigint.during = false;
  const monkey = new ChaosMonkey(prng, config.killEveryMs, () => runner.latest);
  const controller = new AbortController();
  let aborted = false;
  const cancelTimer =
    config.kind === 'cancel'
      ? setTimeout(() => {
          aborted = runner.running;
          controller.abort();
        }, config.stopAfterMs)
      : undefined;
  const during: RssSample[] = [];
  const sampler = setInterval(() => during.push({ items: runner.items + (runner.latest?.produced ?? 0), rss: process.memoryUsage().rss }), SAMPLE_MS);
  const startedAt = performance.now();
  runner.running = true;
  monkey.start();
  started();
  const result = await soakPipeline.run({
    registry: soakRegistry(config.layout),
    state: { seed: config.seed, count: config.count, journal, delayMs: config.delayMs, faults: config.faults },
    signal: controller.signal,
    handleSignals: config.kind === 'sigint',
    graceMs: config.graceMs,
    progressIntervalMs: 100,
    progress: (event) => {
      runner.latest = event;
      if (event.final) runner.running = false;
    },
    maxErrorInputChars: Number.MAX_SAFE_INTEGER,
  });
  runner.running = false;
  const durationMs = Math.round(performance.now() - startedAt);
  monkey.stop();
  clearTimeout(cancelTimer);
  clearInterval(sampler);

  const stopped = aborted || runner.sigint.during;
  const { figures, violations } = verify(evidenceOf(result, readJournal(journal), stopped, RETRIES, BATCH_SIZE));
  rmSync(journal, { recursive: true, force: true });
  const leaks = await settle(runner.baseline, SETTLE_MS);
  runner.items += figures.produced;
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const settled = { items: runner.items, rss, heap: heapUsed };
  return {
    config,
    status: result.status,
    stopped,
    durationMs,
    figures,
    kills: monkey.kills,
    violations,
    leaks: describeLeaks(leaks, 'inside the runner'),
    rss: { during, settled },
  };
}
