import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import {
  PRODUCER_WINDOW,
  deserializeError,
  serveWorker,
  type InputOutcome,
  type ParentMessage,
  type WorkerMessage,
  type WorkerSetup,
} from '@minigun/core/toolkit';

const module = fileURLToPath(new URL('../fixtures/serve-worker.mjs', import.meta.url));
const target = { module, pipeline: 'served', stage: 'work' };
const setup = (over: Partial<WorkerSetup> = {}): WorkerSetup => ({ ...target, workerId: 3, state: { factor: 10, count: 0 }, ...over });

type Of<T extends WorkerMessage['t']> = Extract<WorkerMessage, { t: T }>;
type CodedError = Error & { code?: string; stage?: string };

/** The error of a failed outcome, as the parent rebuilds it. */
function errorOf(outcome: InputOutcome | undefined): CodedError {
  if (outcome === undefined || outcome.ok) throw new Error(`expected a failed outcome, got ${JSON.stringify(outcome)}`);
  return deserializeError(outcome.error);
}

/**
 * serveWorker over an in-memory channel. Messages are structured-cloned both ways, as a MessagePort or
 * process IPC would, so anything that could not cross a real channel fails here too.
 */
function serve() {
  const received: WorkerMessage[] = [];
  const waiters: Array<() => void> = [];
  let listener: ((m: ParentMessage) => void) | undefined;
  let exits = 0;
  serveWorker({
    send: (m) => {
      received.push(structuredClone(m));
      for (const w of waiters.splice(0)) w();
    },
    onMessage: (l) => (listener = l),
    exit: () => {
      exits++;
      for (const w of waiters.splice(0)) w();
    },
    threadId: 0,
  });
  const until = async (done: () => boolean, what: string): Promise<void> => {
    const end = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(received.map((m) => m.t))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  let seen = 0;
  return {
    received,
    exits: () => exits,
    post: (m: ParentMessage): void => listener!(structuredClone(m)),
    /** The next message not yet returned; it must be of type `t`. */
    async next<T extends WorkerMessage['t']>(t: T): Promise<Of<T>> {
      await until(() => received.length > seen, `'${t}'`);
      const m = received[seen++]!;
      if (m.t !== t) throw new Error(`expected '${t}', got ${JSON.stringify(m)}`);
      return m as Of<T>;
    },
    until,
  };
}

describe('serveWorker', () => {
  it('prepare, setup, inputs, shutdown: each answered, in order', async () => {
    const w = serve();
    w.post({ t: 'prepare', target });
    await w.next('prepared');
    w.post({ t: 'setup', setup: setup() });
    const ready = await w.next('ready');
    expect(ready).toEqual({
      t: 'ready',
      workerId: 3,
      pid: process.pid,
      threadId: 0,
      hooks: { emissions: [{ kind: 'collect', key: 'forked', value: 3 }], errors: [] },
    });

    w.post({ t: 'inputs', id: 1, inputs: [1, 2] });
    w.post({ t: 'inputs', id: 2, inputs: [3] });
    const first = await w.next('results');
    expect(first.id).toBe(1);
    expect(first.outcomes).toEqual([
      {
        ok: true,
        emissions: [
          { kind: 'collect', key: 'seen', value: 1 },
          { kind: 'emit', item: 10 },
        ],
      },
      {
        ok: true,
        emissions: [
          { kind: 'collect', key: 'seen', value: 2 },
          { kind: 'emit', item: 20 },
        ],
      },
    ]);
    expect(first.rss).toBeGreaterThan(0);
    const second = await w.next('results');
    expect(second.id).toBe(2);
    expect(second.outcomes).toEqual([
      {
        ok: true,
        emissions: [
          { kind: 'collect', key: 'seen', value: 3 },
          { kind: 'emit', item: 30 },
        ],
      },
    ]);

    w.post({ t: 'shutdown' });
    await w.until(() => w.exits() === 1, 'exit');
    expect(w.received).toHaveLength(4); // nothing after the last results
  });

  it('answers pending inputs before it exits on shutdown', async () => {
    const w = serve();
    w.post({ t: 'setup', setup: setup() }); // without prepare: setup imports the module itself
    w.post({ t: 'inputs', id: 7, inputs: [5] });
    w.post({ t: 'shutdown' });
    await w.until(() => w.exits() === 1, 'exit');
    expect(w.received.map((m) => m.t)).toEqual(['ready', 'results']);
    expect((w.received[1] as Of<'results'>).outcomes).toEqual([
      {
        ok: true,
        emissions: [
          { kind: 'collect', key: 'seen', value: 5 },
          { kind: 'emit', item: 50 },
        ],
      },
    ]);
  });

  it('fails an input on its own: its error comes back serialised, the other inputs of the chunk succeed', async () => {
    const w = serve();
    w.post({ t: 'setup', setup: setup() });
    await w.next('ready');
    w.post({ t: 'inputs', id: 1, inputs: ['range', 4, 'function'] });
    const { outcomes } = await w.next('results');
    expect(outcomes).toHaveLength(3);
    const range = errorOf(outcomes[0]);
    expect(range).toBeInstanceOf(RangeError);
    expect(range.message).toBe('out of range');
    expect(range.code).toBe('E_RANGE');
    expect(range.stack).toContain('serve-worker.mjs');
    expect(outcomes[1]).toEqual({
      ok: true,
      emissions: [
        { kind: 'collect', key: 'seen', value: 4 },
        { kind: 'emit', item: 40 },
      ],
    });
    const uncloneable = errorOf(outcomes[2]);
    expect(uncloneable.code).toBe(ErrorCodes.UNCLONEABLE);
    expect(uncloneable.stage).toBe('work');
    expect(uncloneable.message).toContain('the emitted item.cb is a function');
  });

  it('fails only the input whose error cannot be read, and keeps serving', async () => {
    const w = serve();
    w.post({ t: 'setup', setup: setup() });
    await w.next('ready');
    w.post({ t: 'inputs', id: 1, inputs: [1, 'lazy', 2] });
    const results = await w.next('results');
    expect(results.outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(errorOf(results.outcomes[1]).message).toBe('lazy details');
  });

  it('reports afterFork errors in the ready message and still serves inputs', async () => {
    const w = serve();
    w.post({ t: 'setup', setup: setup({ state: { factor: 1, failHook: true } }) });
    const ready = await w.next('ready');
    expect(ready.hooks.emissions).toEqual([]);
    expect(ready.hooks.errors).toHaveLength(1);
    expect(ready.hooks.errors[0]!.message).toContain('afterFork failed');
    w.post({ t: 'inputs', id: 1, inputs: [2] });
    expect((await w.next('results')).outcomes[0]!.ok).toBe(true);
  });

  it('cancel aborts ctx.signal of a running input without waiting behind it', async () => {
    const w = serve();
    w.post({ t: 'setup', setup: setup() });
    await w.next('ready');
    w.post({ t: 'inputs', id: 1, inputs: ['wait for cancel'] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(w.received).toHaveLength(1); // still running
    w.post({ t: 'cancel' });
    const { outcomes } = await w.next('results');
    expect(errorOf(outcomes[0]).code).toBe(ErrorCodes.CANCELLED);
  });

  it('produce: streams emissions up to the window, waits for credit, then reports produced', async () => {
    const w = serve();
    const count = PRODUCER_WINDOW + 20;
    w.post({ t: 'setup', setup: { ...setup({ state: { count } }), stage: 'gen' } });
    await w.next('ready');
    w.post({ t: 'produce', id: 9 });
    await w.until(() => w.received.length === 1 + PRODUCER_WINDOW, 'the first window');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(w.received).toHaveLength(1 + PRODUCER_WINDOW); // no credit, no more emissions
    w.post({ t: 'credit', id: 9, n: 20 });
    await w.until(() => w.received.some((m) => m.t === 'produced'), "'produced'");
    const emissions = w.received.filter((m): m is Of<'emission'> => m.t === 'emission');
    expect(emissions.map((m) => [m.id, m.emission])).toEqual(Array.from({ length: count }, (_, i) => [9, { kind: 'emit', item: i }]));
    expect(w.received.at(-1)).toEqual({ t: 'produced', id: 9 });
  });

  it("sends 'fatal' for a stage the pipeline does not have, naming it", async () => {
    const w = serve();
    w.post({ t: 'prepare', target: { ...target, stage: 'wrok' } });
    const { error } = await w.next('fatal');
    expect(error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(error.message).toContain('Pipeline "served" in the worker has no stage "wrok"');
    expect(error.message).toContain('"work"');
  });

  it("sends 'fatal' for a pipeline the module does not export, and for a module that is not there", async () => {
    const w = serve();
    w.post({ t: 'setup', setup: setup({ pipeline: 'nope' }) });
    const missing = await w.next('fatal');
    expect(missing.error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(missing.error.message).toContain('no exported pipeline named "nope" (exported pipelines: "served")');

    const v = serve();
    v.post({ t: 'setup', setup: setup({ module: fileURLToPath(new URL('../fixtures/no-such-module.mjs', import.meta.url)) }) });
    const gone = await v.next('fatal');
    expect(gone.error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(gone.error.message).toContain('no-such-module.mjs');
  });

  it("sends 'fatal' when set up for another stage than the one it prepared", async () => {
    const w = serve();
    w.post({ t: 'prepare', target });
    await w.next('prepared');
    w.post({ t: 'setup', setup: { ...setup(), stage: 'gen' } });
    const { error } = await w.next('fatal');
    expect(error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(error.message).toContain('prepared for stage "work"');
    expect(error.message).toContain('set up for stage "gen"');
  });
});
