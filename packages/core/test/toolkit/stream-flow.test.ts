import { describe, expect, it } from 'vitest';
import type { Emission, StreamInput, StreamItem } from '@minigun/core';
import { STREAM_WINDOW, StreamInbox, StreamPump } from '@minigun/core/toolkit';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const where = { pipeline: 'p', stage: 's' };

/** A queue of `n` items whose fate is recorded: what a runner's StreamInput does, in miniature. */
function queue(n: number): { input: StreamInput; fate: Map<unknown, string>; taken: () => number } {
  const values: unknown[] = Array.from({ length: n }, (_, i) => i);
  const fate = new Map<unknown, string>();
  let taken = 0;
  const item = (value: unknown): StreamItem => ({
    value,
    done: () => void fate.set(value, fate.get(value) ?? 'done'),
    fail: (e) => void fate.set(value, fate.get(value) ?? `failed: ${e.message}`),
    unread: () => void fate.set(value, fate.get(value) ?? 'unread'),
  });
  return {
    input: {
      take: async () => {
        const value = values.shift();
        if (value === undefined) return undefined;
        taken++;
        return item(value);
      },
    },
    fate,
    taken: () => taken,
  };
}

function channel(): { sent: unknown[]; ended: boolean; credit: number; item(v: unknown): void; end(): void; credit_(n: number): void } {
  return {
    sent: [],
    ended: false,
    credit: 0,
    item(v) {
      this.sent.push(v);
    },
    end() {
      this.ended = true;
    },
    credit_(n) {
      this.credit += n;
    },
  };
}

describe('StreamPump', () => {
  it('sends at most STREAM_WINDOW items ahead of what the stage function took', async () => {
    const q = queue(20);
    const ch = channel();
    let finish!: (v: { error?: Error }) => void;
    const pump = new StreamPump(
      q.input,
      { item: (v) => ch.item(v), end: () => ch.end(), credit: (n) => ch.credit_(n) },
      async () => undefined,
      new AbortController().signal,
      where,
    );
    const running = pump.run(new Promise((resolve) => (finish = resolve)));
    await tick();
    expect(ch.sent).toEqual([0, 1, 2, 3].slice(0, STREAM_WINDOW));
    pump.read(false, true); // took 0
    pump.read(true, true); // done with 0, took 1
    await tick();
    expect(ch.sent).toHaveLength(STREAM_WINDOW + 2);
    finish({});
    await running;
    expect(q.fate.get(0)).toBe('done');
    expect(q.fate.get(1)).toBe('done'); // held when the function returned
    // Sent ahead, never taken: back to the queue.
    for (let i = 2; i < STREAM_WINDOW + 2; i++) expect(q.fate.get(i)).toBe('unread');
    expect(q.taken()).toBe(STREAM_WINDOW + 2);
  });

  it('an item is done only after what was emitted before the next read is delivered; a throw fails the held item', async () => {
    const q = queue(3);
    const ch = channel();
    const delivered: unknown[] = [];
    const fateWhenDelivered: Array<string | undefined> = [];
    const pump = new StreamPump(
      q.input,
      { item: (v) => ch.item(v), end: () => ch.end(), credit: (n) => ch.credit_(n) },
      async (e: Emission) => {
        await tick();
        fateWhenDelivered.push(q.fate.get(0));
        delivered.push((e as { item: unknown }).item);
      },
      new AbortController().signal,
      where,
    );
    const running = pump.run(
      (async () => {
        await tick();
        pump.read(false, true); // took 0
        pump.emission({ kind: 'emit', item: 'a' });
        pump.read(true, true); // done with 0, took 1
        return { error: new Error('boom') };
      })(),
    );
    await running;
    expect(delivered).toEqual(['a']);
    expect(fateWhenDelivered).toEqual([undefined]); // 0 was not yet done when its emission was delivered
    expect(q.fate.get(0)).toBe('done');
    expect(q.fate.get(1)).toBe('failed: boom');
    expect(q.fate.get(2)).toBe('unread');
    expect(ch.credit).toBe(1);
  });

  it('a worker that dies holding nothing: run rejects with why, and what was sent ahead goes back', async () => {
    const q = queue(2);
    const ch = channel();
    const pump = new StreamPump(
      q.input,
      { item: (v) => ch.item(v), end: () => ch.end(), credit: () => undefined },
      async () => undefined,
      new AbortController().signal,
      where,
    );
    await expect(pump.run(tick().then(() => Promise.reject(new Error('worker died'))))).rejects.toThrow('worker died');
    expect([...q.fate.values()]).toEqual(['unread', 'unread']);
  });

  it('fails an item that cannot cross, naming its path, and sends the next', async () => {
    const values = [{ f: () => 1 }, 2];
    const fate: string[] = [];
    const input: StreamInput = {
      take: async () => {
        const value = values.shift();
        return value === undefined
          ? undefined
          : { value, done: () => void fate.push('done'), fail: (e) => void fate.push(e.message), unread: () => void fate.push('unread') };
      },
    };
    const ch = channel();
    const pump = new StreamPump(
      input,
      { item: (v) => ch.item(v), end: () => ch.end(), credit: () => undefined },
      async () => undefined,
      new AbortController().signal,
      where,
    );
    await pump.run(tick().then(() => ({})));
    expect(ch.sent).toEqual([2]);
    expect(ch.ended).toBe(true);
    expect(fate[0]).toMatch(/the input\.f is a function/);
  });
});

describe('StreamInbox', () => {
  it('hands items to a waiting reader, buffers the rest, ends, and drops what is buffered on close', async () => {
    const inbox = new StreamInbox();
    const waiting = inbox.take();
    expect(waiting).toBeInstanceOf(Promise);
    inbox.push(1);
    expect(await waiting).toEqual({ done: false, value: 1 });
    inbox.push(2);
    inbox.push(3);
    expect(inbox.take()).toEqual({ done: false, value: 2 });
    inbox.close();
    expect(inbox.take()).toEqual({ done: true, value: undefined });
    inbox.push(4);
    expect(inbox.take()).toEqual({ done: true, value: undefined });
  });
});
