/**
 * The round checks on evidence built by hand: a clean round passes, and each way a round can go wrong is
 * caught (so that the soak's zeros mean something).
 */
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../src/pipeline/journal.mjs';
import type { Delivery, Item } from '../src/pipeline/soak-pipeline.mjs';
import { verify, type Evidence, type StageCounts } from '../src/verify.js';

const PID = { thread: 100, ipc: 200, cow: 300 };
const counts = (c: Partial<StageCounts>): StageCounts => ({ in: 0, done: 0, failed: 0, cancelled: 0, retried: 0, out: 0, ...c });
const returned = (stage: 'thread' | 'ipc' | 'cow', key: number, n = 0): JournalEntry => ({
  stage,
  key,
  n,
  pid: PID[stage],
  threadId: stage === 'thread' ? 1 : 0,
  outcome: 'returned',
});
const item = (id: number): Item => ({
  id,
  trail: [
    { s: 'thread', pid: PID.thread, tid: 1, n: 0 },
    { s: 'ipc', pid: PID.ipc, tid: 0, n: 0 },
  ],
});

/** Six inputs, all delivered in three batches of two, with the journal and stats that go with it. */
function cleanRound(): Evidence {
  const ids = [0, 1, 2, 3, 4, 5];
  const delivered: Delivery[] = [0, 2, 4].map((key) => ({ key, pid: PID.cow, n: 0, items: [item(key), item(key + 1)] }));
  return {
    stopped: false,
    retries: 2,
    batchSize: 2,
    status: 'completed',
    stages: {
      source: counts({ in: 1, done: 1, out: 6 }),
      thread: counts({ in: 6, done: 6, out: 6 }),
      ipc: counts({ in: 6, done: 6, out: 6 }),
      batch: counts({ in: 6, done: 6, out: 3 }),
      cow: counts({ in: 3, done: 3 }),
    },
    failures: [],
    otherErrors: [],
    delivered,
    journal: [...ids.map((id) => returned('thread', id)), ...ids.map((id) => returned('ipc', id)), ...[0, 2, 4].map((key) => returned('cow', key))],
  };
}

describe('verify', () => {
  it('passes a clean round', () => {
    const { figures, violations } = verify(cleanRound());
    expect(violations).toEqual([]);
    expect(figures).toMatchObject({ produced: 6, delivered: 6, duplicates: 0, lost: 0, poisoned: 0 });
  });

  it('counts an item delivered twice as a duplicate', () => {
    const e = cleanRound();
    const delivered = [...e.delivered.slice(0, 2), { ...e.delivered[2]!, items: [item(4), item(5), item(3)] }];
    const { figures, violations } = verify({ ...e, delivered });
    expect(figures.duplicates).toBe(1);
    expect(violations).toContain('1 duplicate deliveries: 3 ×2');
  });

  it('finds an input that is neither delivered nor failed in a round that ran to its end', () => {
    const e = cleanRound();
    const delivered = [e.delivered[0]!, e.delivered[1]!, { ...e.delivered[2]!, items: [item(4)] }];
    const { figures, violations } = verify({ ...e, delivered });
    expect(figures.lost).toBe(1);
    expect(violations).toContain('1 inputs lost: 1 neither delivered nor failed, at most 0 cancelled or dropped at the stop');
  });

  it('finds what a failed attempt emitted or collected: a poisoned copy, or a mark of an attempt that threw or was killed', () => {
    const e = cleanRound();
    const poisoned = { ...e.delivered[0]!, items: [{ ...item(0), poison: true as const }, item(1)] };
    const journal = e.journal.map((j) =>
      j.stage === 'ipc' && j.key === 3 ? { ...j, outcome: 'threw' as const } : j.stage === 'cow' && j.key === 4 ? { ...j, outcome: undefined } : j,
    );
    const { figures, violations } = verify({ ...e, delivered: [poisoned, e.delivered[1]!, e.delivered[2]!], journal });
    expect(figures.poisoned).toBe(3);
    expect(violations).toEqual([
      'delivered item 0: a poisoned copy (from attempt 0 at ipc)',
      'delivered item 3: attempt 0 of 3 at ipc threw',
      'delivered: attempt 0 of 4 at cow never ended (killed)',
    ]);
  });

  it('finds a delivered mark that another process wrote', () => {
    const e = cleanRound();
    const journal = e.journal.map((j) => (j.stage === 'thread' && j.key === 2 ? { ...j, threadId: 7 } : j));
    expect(verify({ ...e, journal }).violations).toEqual(['delivered item 2: attempt 0 of 2 at thread ran in 100/7, the mark says 100/1']);
  });

  it('checks the stats: in = done + failed + cancelled, the flow between stages, one delivery per consumer input done', () => {
    const e = cleanRound();
    const stages = { ...e.stages, ipc: counts({ in: 6, done: 5, out: 5 }), cow: counts({ in: 3, done: 2 }) };
    expect(verify({ ...e, stages }).violations).toEqual([
      'stage ipc: in 6 ≠ done 5 + failed 0 + cancelled 0',
      'stage cow: in 3 ≠ done 2 + failed 0 + cancelled 0',
      'stage batch received 6 inputs, stage ipc emitted 5',
      'stage cow: 2 batches done but 3 deliveries collected',
    ]);
  });

  it('accepts failures that used their retries, and refuses a failed input that was delivered', () => {
    const e = cleanRound();
    const stages = { ...e.stages, thread: counts({ in: 6, done: 5, failed: 1, retried: 2, out: 5 }), ipc: counts({ in: 5, done: 5, out: 5 }) };
    const failures = [{ stage: 'thread', code: 'E_SOAK_PLANNED', attempts: 3, input: { id: 1, trail: [] } }];
    const delivered = [{ ...e.delivered[0]!, items: [item(0)] }, e.delivered[1]!, e.delivered[2]!];
    const journal = e.journal.filter((j) => !(j.stage === 'ipc' && j.key === 1));
    expect(verify({ ...e, stages: { ...stages, batch: counts({ in: 5, done: 5, out: 3 }) }, failures, delivered, journal }).violations).toEqual([]);
    expect(verify({ ...e, stages: { ...stages, batch: counts({ in: 5, done: 5, out: 3 }) }, failures, journal }).violations).toEqual([
      'delivered item 1: no journal entry for attempt 0 of 1 at ipc',
      'input 1 failed at thread and was delivered too',
    ]);
    const early = [{ ...failures[0]!, attempts: 2, code: 'ERR_MINIGUN_TRANSPORT' }];
    expect(verify({ ...e, stages: { ...stages, batch: counts({ in: 5, done: 5, out: 3 }) }, failures: early, delivered, journal }).violations).toEqual([
      'stage thread: an input failed with ERR_MINIGUN_TRANSPORT, neither a planned fault nor a dead worker',
      'stage thread: an input failed after 2 attempts, not 3',
    ]);
  });

  it('expects the status the round asked for', () => {
    expect(verify({ ...cleanRound(), stopped: true }).violations).toEqual(["status is 'completed', expected 'cancelled' (stopped before its end)"]);
    expect(verify({ ...cleanRound(), status: 'cancelled' }).violations).toEqual(["status is 'cancelled', expected 'completed'"]);
  });

  it('in a stopped round, explains what is missing by what the stages cancelled or dropped, and no more', () => {
    const e = cleanRound();
    // Stopped after the first batch: inputs 2 and 3 were done at ipc after the stop (emits refused), 4 and 5 cancelled at thread.
    const stopped: Evidence = {
      ...e,
      stopped: true,
      status: 'cancelled',
      stages: {
        source: counts({ in: 1, done: 1, out: 6 }),
        thread: counts({ in: 6, done: 4, cancelled: 2, out: 4 }),
        ipc: counts({ in: 4, done: 4, out: 2 }),
        batch: counts({ in: 2, done: 2, out: 1 }),
        cow: counts({ in: 1, done: 1 }),
      },
      delivered: [e.delivered[0]!],
      journal: e.journal.filter((j) => (j.stage === 'cow' ? j.key === 0 : j.key < 4)),
    };
    const { figures, violations } = verify(stopped);
    expect(violations).toEqual([]);
    expect(figures).toMatchObject({ dropped: 2, cancelled: 2, lost: 0 });
    const short = { ...stopped, stages: { ...stopped.stages, ipc: counts({ in: 4, done: 4, out: 3 }), batch: counts({ in: 3, done: 3, out: 1 }) } };
    expect(verify(short).figures.lost).toBe(1);
  });
});
