/**
 * A 30-second soak (and at least two rounds: one that runs to its end, one that is stopped): rounds of the soak pipeline under random throws, SIGKILLed children, exiting worker
 * threads, cancels and SIGINTs, in a round runner process of its own (what `npm run soak` does for longer).
 * Nothing may be duplicated, lost, delivered from a failed attempt or leaked, and the chaos must have
 * happened. A failure lists the findings with their round seeds: `npm run soak -- --replay=<seed>` replays one.
 */
import { describe, expect, it } from 'vitest';
import { soak } from '../src/soak.js';

const SEED = 20_240_601;

describe('soak', () => {
  it('runs 30 s of chaos rounds with nothing duplicated, lost or leaked', async () => {
    const lines: string[] = [];
    const s = await soak({ durationMs: 30_000, minRounds: 2, seed: SEED, roundTimeoutMs: 120_000, log: (line) => lines.push(line) });
    const context = `\n${lines.join('\n')}`;
    // Each kind of round ran, and the chaos happened.
    expect(s.rounds.complete, context).toBeGreaterThanOrEqual(1);
    expect(s.rounds.cancel + s.rounds.sigint, context).toBeGreaterThanOrEqual(1);
    expect(s.produced, context).toBeGreaterThan(0);
    expect(s.kills['ipc-fork'] + s.kills['cow-fork'] + s.kills.unassigned, context).toBeGreaterThan(0);
    expect(s.threadExits + s.throws.thread + s.throws.ipc + s.throws.cow, context).toBeGreaterThan(0);
    expect(s.retries, context).toBeGreaterThan(0);
    expect({ duplicates: s.duplicates, lost: s.lost, poisoned: s.poisoned, leaks: s.leaks, hangs: s.hangs, crashes: s.crashes }, context).toEqual({
      duplicates: 0,
      lost: 0,
      poisoned: 0,
      leaks: 0,
      hangs: 0,
      crashes: 0,
    });
    expect(s.findings, context).toEqual([]);
  }, 300_000);
});
