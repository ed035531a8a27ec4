/**
 * The settings of one round, all drawn from the round's seed: a round replays from its seed alone
 * (`npm run soak -- --replay <seed>`). What the seed fixes: the settings below and every fault and delay of
 * the stages (drawn per input and attempt number); what it cannot fix: scheduling, so which chunk an input
 * shares, which child the monkey finds alive and when a stop lands may differ between replays.
 */
import type { Faults, IsolatedStage } from './pipeline/soak-pipeline.mjs';
import { Prng } from './prng.js';

/** How a round ends: by itself, by its AbortSignal, or by a real SIGINT to the process running it (under `handleSignals: true`). */
export type RoundKind = 'complete' | 'cancel' | 'sigint';

export type TempfileLayout = 'private' | 'shared';

export interface RoundConfig {
  readonly seed: number;
  readonly kind: RoundKind;
  /** Inputs the producer emits. */
  readonly count: number;
  /** The tempfile transport's layout for the cow-fork consumer. */
  readonly layout: TempfileLayout;
  /** The run's `graceMs`. */
  readonly graceMs: number;
  /** cancel and sigint rounds: when the stop comes, in ms after the run starts. */
  readonly stopAfterMs: number;
  /** Mean pause between two SIGKILLs of the chaos monkey. */
  readonly killEveryMs: number;
  /** Longest wait of an attempt. */
  readonly delayMs: number;
  readonly faults: Readonly<Record<IsolatedStage, Faults>>;
}

const KIND_WEIGHTS: Readonly<Record<RoundKind, number>> = { complete: 2, cancel: 1, sigint: 1 };

/** The kinds of round a soak takes in turn, so that even a short soak has each (half of them run to their end). */
export const KIND_ROTATION: readonly RoundKind[] = ['complete', 'cancel', 'complete', 'sigint'];

/** The next seed from `prng` whose round is of `kind`. */
export function seedOfKind(prng: Prng, kind: RoundKind): number {
  for (;;) {
    const seed = prng.seed();
    if (roundConfig(seed).kind === kind) return seed;
  }
}

/** The ranges round settings are drawn from (inclusive). */
export const RANGES = {
  count: [300, 1500],
  graceMs: [100, 2000],
  stopAfterMs: [500, 6000],
  killEveryMs: [300, 2000],
  delayMs: [0, 3],
} as const satisfies Record<string, readonly [number, number]>;

/** The chances of a fault, the same in every round. */
export const FAULTS: Readonly<Record<IsolatedStage, Faults>> = {
  thread: { throw: 0.03, exit: 0.004, doom: 0.003 },
  ipc: { throw: 0.03, exit: 0, doom: 0.003 },
  cow: { throw: 0.05, exit: 0, doom: 0.02 },
};

/** The settings of the round with this seed. */
export function roundConfig(seed: number): RoundConfig {
  const prng = new Prng(seed);
  const draw = (range: readonly [number, number]): number => prng.int(range[0], range[1]);
  return {
    seed,
    kind: prng.weighted(KIND_WEIGHTS),
    count: draw(RANGES.count),
    layout: prng.pick(['private', 'shared'] as const),
    graceMs: draw(RANGES.graceMs),
    stopAfterMs: draw(RANGES.stopAfterMs),
    killEveryMs: draw(RANGES.killEveryMs),
    delayMs: draw(RANGES.delayMs),
    faults: FAULTS,
  };
}
