// The pipeline every soak round runs: an inline producer, a `thread` processor, an `ipc-fork` processor, a
// batch, and a `cow-fork` consumer whose results come back over the `tempfile` transport; every isolated
// stage retries twice. Each input has a unique id. Every attempt of an isolated stage journals itself
// (journal.mjs), may wait a little, and may fail on purpose, as drawn from the round's seed (chance.mjs):
// it throws, or (where the round allows it) ends its own thread or process with process.exit(). A failing
// attempt first emits (or collects) a poisoned copy of its output, which must never be delivered. A good
// attempt adds its mark (stage, pid, threadId, attempt number) to the item's trail; the consumer collects
// what it received under 'delivered'. Plain JavaScript (types in soak-pipeline.d.mts): workers and children
// import it without a TypeScript loader, which keeps their start-up cheap.
import process from 'node:process';
import { setTimeout } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { pipeline } from '@minigun/core';
import { chance } from './chance.mjs';
import { beginAttempt, endAttempt } from './journal.mjs';

/** Items per batch handed to the cow-fork consumer. */
export const BATCH_SIZE = 50;

/** A fault on purpose, so that the run's errors tell it from a real one. */
class PlannedFault extends Error {
  constructor(stage, key, n) {
    super(`planned fault: stage ${stage}, input ${key}, attempt ${n}`);
    this.name = 'PlannedFault';
    this.code = 'E_SOAK_PLANNED';
  }
}

/**
 * The start of an attempt of `key` at `stage`: journals it, waits its drawn delay, and says how it must end:
 * 'returned' (no fault), 'threw', or 'exit'. An input drawn as doomed at a stage fails every attempt there.
 */
async function attempt(stage, key, state) {
  const entry = beginAttempt(state.journal, stage, key, threadId);
  const faults = state.faults[stage];
  const draw = (what) => chance(state.seed, stage, key, entry.n, what);
  const delay = Math.floor(draw('delay') * state.delayMs);
  if (delay > 0) await setTimeout(delay);
  const doomed = chance(state.seed, stage, key, 'doom') < faults.doom;
  const fate = doomed || draw('throw') < faults.throw ? 'threw' : draw('exit') < faults.exit ? 'exit' : 'returned';
  return { entry, fate, mark: { s: stage, pid: process.pid, tid: threadId, n: entry.n } };
}

/** Ends a failing attempt after its poisoned output left: throws, or ends this thread (or process). */
function fail(stage, key, { entry, fate }) {
  endAttempt(entry, fate);
  if (fate === 'exit') process.exit(70);
  throw new PlannedFault(stage, key, entry.n);
}

/** The processors: pass the item on with this attempt's mark added to its trail. */
function pass(stage) {
  return async (item, out, ctx) => {
    const a = await attempt(stage, item.id, ctx.state);
    const next = { id: item.id, trail: [...item.trail, a.mark] };
    if (a.fate !== 'returned') {
      await out.emit({ ...next, poison: true });
      fail(stage, item.id, a);
    }
    endAttempt(a.entry, 'returned');
    return next;
  };
}

export const soakPipeline = pipeline('soak', { module: import.meta.url }, (p) => {
  p.producer('source', async (out, ctx) => {
    out.total(ctx.state.count);
    for (let id = 0; id < ctx.state.count; id++) await out.emit({ id, trail: [] });
  });
  p.processor('thread', { strategy: 'thread', concurrency: 2, retries: 2, queueSize: 200 }, pass('thread'));
  p.processor('ipc', { strategy: 'ipc-fork', concurrency: 2, retries: 2, queueSize: 200 }, pass('ipc'));
  p.batch(BATCH_SIZE);
  p.consumer('cow', { strategy: 'cow-fork', concurrency: 2, retries: 2, transport: 'tempfile', queueSize: 20 }, async (items, _out, ctx) => {
    const key = items[0].id;
    const a = await attempt('cow', key, ctx.state);
    const delivery = { key, pid: process.pid, n: a.entry.n, items };
    if (a.fate !== 'returned') {
      ctx.collect('delivered', { ...delivery, poison: true });
      fail('cow', key, a);
    }
    ctx.collect('delivered', delivery);
    endAttempt(a.entry, 'returned');
  });
});
