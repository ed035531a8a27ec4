import { describe, expect, it } from 'vitest';
import { AttemptQueue, serializeError, type InputOutcome } from '@minigun/core/toolkit';
import { ErrorCodes, MinigunError, type Emission } from '@minigun/core';

type Settled = { ok: true; emissions: Emission[] } | { ok: false; error: Error };

/** Adds inputs and records how each promise settles (handlers attached at once: no unhandled rejections). */
function addAll(queue: AttemptQueue, inputs: unknown[]): Promise<Settled>[] {
  return inputs.map((input) =>
    queue.add(input).then(
      async (emissions) => {
        const all: Emission[] = [];
        for await (const e of emissions) all.push(e);
        return { ok: true as const, emissions: all };
      },
      (error: Error) => ({ ok: false as const, error }),
    ),
  );
}

const emitted = (item: unknown): InputOutcome => ({ ok: true, emissions: [{ kind: 'emit', item }] });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A queue whose measured cost makes chunks of `maxChunk` (a chunk of one input that took no time). */
async function warmQueue(maxChunk: number): Promise<{ queue: AttemptQueue; dispatches: () => number }> {
  let dispatches = 0;
  const queue = new AttemptQueue(maxChunk, () => dispatches++);
  const [first] = addAll(queue, ['warm-up']);
  await tick();
  queue.settle(queue.take(1), [emitted('warm-up')], 0);
  await first;
  return { queue, dispatches: () => dispatches };
}

describe('AttemptQueue', () => {
  it('queues inputs and settles each with its own emissions', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, ['a', 'b']);
    expect(queue.length).toBe(2);
    const chunk = [...queue.take(1), ...queue.take(1)];
    expect(chunk.map((a) => a.input)).toEqual(['a', 'b']);
    expect(queue.length).toBe(0);
    queue.settle(chunk, [emitted('A'), { ok: true, emissions: [{ kind: 'collect', key: 'k', value: 1 }] }], 1);
    expect(await Promise.all(results)).toEqual([
      { ok: true, emissions: [{ kind: 'emit', item: 'A' }] },
      { ok: true, emissions: [{ kind: 'collect', key: 'k', value: 1 }] },
    ]);
  });

  it('calls dispatch once per microtask batch, never from inside add', async () => {
    let dispatches = 0;
    let queuedAtDispatch = -1;
    const queue = new AttemptQueue(10, () => {
      dispatches++;
      queuedAtDispatch = queue.length;
    });
    const results = addAll(queue, [1, 2, 3]);
    expect(dispatches).toBe(0);
    await tick();
    expect(dispatches).toBe(1);
    expect(queuedAtDispatch).toBe(3); // it saw the whole batch
    results.push(...addAll(queue, [4]));
    await tick();
    expect(dispatches).toBe(2);
    queue.rejectAll(new Error('done'));
    await Promise.all(results);
  });

  it('takes one input per chunk until a chunk has been measured', async () => {
    const queue = new AttemptQueue(50, () => undefined);
    const results = addAll(
      queue,
      Array.from({ length: 10 }, (_, i) => i),
    );
    await tick();
    const taken = [queue.take(1), queue.take(4)];
    expect(taken.map((c) => c.length)).toEqual([1, 1]);
    for (const c of taken) queue.fail(c, new Error('done'));
    queue.rejectAll(new Error('done'));
    await Promise.all(results);
  });

  it('takes bigger chunks once inputs are measured cheap, split fairly over free workers, within max', async () => {
    const { queue } = await warmQueue(8);
    const results = addAll(
      queue,
      Array.from({ length: 30 }, (_, i) => i),
    );
    await tick();
    const taken = [queue.take(1), queue.take(1, 3), queue.take(1, 0)];
    // maxChunk; a budget (e.g. inputs left before recycling); never 0
    expect(taken.map((c) => c.length)).toEqual([8, 3, 1]);
    expect(queue.length).toBe(18);
    taken.push(queue.take(3)); // 18 over 3 free workers
    taken.push(queue.take(100)); // 12 over 100 workers: one each
    expect(taken.slice(3).map((c) => c.length)).toEqual([6, 1]);
    expect(taken.flat().map((a) => a.input)).toEqual(Array.from({ length: 19 }, (_, i) => i));
    for (const c of taken) queue.fail(c, new Error('done'));
    queue.rejectAll(new Error('done'));
    await Promise.all(results);
  });

  it('goes back to chunks of one when inputs turn out slow', async () => {
    const { queue } = await warmQueue(8);
    const results = addAll(
      queue,
      Array.from({ length: 20 }, (_, i) => i),
    );
    await tick();
    for (let i = 0; i < 3; i++) {
      const chunk = queue.take(1);
      queue.settle(
        chunk,
        chunk.map(() => emitted(i)),
        chunk.length * 1000,
      );
    }
    const last = queue.take(1);
    expect(last).toHaveLength(1);
    queue.fail(last, new Error('done'));
    queue.rejectAll(new Error('done'));
    await Promise.all(results);
  });

  it('capacity: one attempt per worker while inputs are slow, a running and a ready chunk per worker when cheap', async () => {
    const cold = new AttemptQueue(8, () => undefined);
    expect(cold.capacity(4)).toBe(4);
    const { queue } = await warmQueue(8);
    expect(queue.capacity(4)).toBe(2 * 4 * 8);
    const results = addAll(queue, [1]);
    await tick();
    queue.settle(queue.take(1), [emitted(1)], 10_000);
    await Promise.all(results);
    expect(queue.capacity(4)).toBe(4);
  });

  it('rejects an input whose outcome is missing with an error that says so', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, ['a', 'b']);
    await tick();
    const chunk = [...queue.take(1), ...queue.take(1)];
    queue.settle(chunk, [emitted('A')], 1);
    const [a, b] = await Promise.all(results);
    expect(a).toEqual({ ok: true, emissions: [{ kind: 'emit', item: 'A' }] });
    expect(b!.ok).toBe(false);
    expect((b as { error: Error }).error).toBeInstanceOf(Error);
    expect((b as { error: Error }).error.message).toMatch(/no outcome/);
  });

  it('a missing outcome is a MinigunError with an ERR_MINIGUN_* code, like every error Minigun raises', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, ['a']);
    await tick();
    queue.settle(queue.take(1), [], 1);
    const [a] = await Promise.all(results);
    const error = (a as { error: Error }).error;
    expect(error).toBeInstanceOf(MinigunError);
    expect((error as MinigunError).code).toMatch(/^ERR_MINIGUN_/);
  });

  it('rejects a failed input with the worker error deserialized: class, name, message, code, stack, fields', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, ['a', 'b', 'c']);
    await tick();
    const chunk = [...queue.take(1), ...queue.take(1), ...queue.take(1)];
    const range = Object.assign(new RangeError('out of range'), { code: 'E_RANGE', status: 416 });
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const quota = new QuotaError('quota exceeded');
    queue.settle(chunk, [{ ok: false, error: serializeError(range) }, emitted('B'), { ok: false, error: serializeError(quota) }], 3);
    const [a, b, c] = await Promise.all(results);
    const e1 = (a as { error: Error & { code?: string; status?: number } }).error;
    expect(e1).toBeInstanceOf(RangeError);
    expect(e1.name).toBe('RangeError');
    expect(e1.message).toBe('out of range');
    expect(e1.code).toBe('E_RANGE');
    expect(e1.status).toBe(416);
    expect(e1.stack).toBe(range.stack);
    expect(b).toEqual({ ok: true, emissions: [{ kind: 'emit', item: 'B' }] });
    const e3 = (c as { error: Error }).error;
    expect(e3.name).toBe('QuotaError');
    expect(e3.message).toBe('quota exceeded');
    expect(e3.stack).toBe(quota.stack);
  });

  it('passes successful outcomes through open; open throwing fails that attempt only', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, [1, 2, 3]);
    await tick();
    const chunk = [...queue.take(1), ...queue.take(1), ...queue.take(1)];
    const opened: string[] = [];
    const broken = new Error('cannot read the transport file');
    queue.settle(
      chunk,
      [
        { ok: true, emissions: [], ref: 'r1' },
        { ok: true, emissions: [], ref: 'r2' },
        { ok: true, emissions: [], ref: 'r3' },
      ],
      3,
      (o) => {
        opened.push(o.ref!);
        if (o.ref === 'r2') throw broken;
        return [{ kind: 'emit', item: `from ${o.ref}` }];
      },
    );
    expect(opened).toEqual(['r1', 'r2', 'r3']);
    expect(await Promise.all(results)).toEqual([
      { ok: true, emissions: [{ kind: 'emit', item: 'from r1' }] },
      { ok: false, error: broken },
      { ok: true, emissions: [{ kind: 'emit', item: 'from r3' }] },
    ]);
  });

  it('fail rejects a taken chunk and leaves the waiting inputs alone', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, [1, 2, 3]);
    await tick();
    const died = new MinigunError(ErrorCodes.WORKER_DIED, 'worker 1 died');
    queue.fail(queue.take(1), died);
    expect(queue.length).toBe(2);
    expect(await results[0]).toEqual({ ok: false, error: died });
    const rest = queue.take(1);
    queue.settle(rest, [emitted(2)], 1);
    expect(await results[1]).toEqual({ ok: true, emissions: [{ kind: 'emit', item: 2 }] });
    queue.rejectAll(new Error('closing'));
    expect(await results[2]).toMatchObject({ ok: false, error: { message: 'closing' } });
  });

  it('rejectAll fails every waiting input with the given error and empties the queue', async () => {
    const queue = new AttemptQueue(10, () => undefined);
    const results = addAll(queue, [1, 2, 3]);
    const closing = new MinigunError(ErrorCodes.CANCELLED, 'closing');
    queue.rejectAll(closing);
    expect(queue.length).toBe(0);
    expect(queue.take(1)).toEqual([]);
    for (const r of await Promise.all(results)) expect(r).toEqual({ ok: false, error: closing });
  });
});
