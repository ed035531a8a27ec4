import { describe, expect, it } from 'vitest';
import type { Emission } from '@minigun/core';
import { CreditWindow, PRODUCER_WINDOW, ProducerFeed } from '@minigun/core/toolkit';

const emit = (item: unknown): Emission => ({ kind: 'emit', item });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ProducerFeed', () => {
  it('delivers in order and grants one credit per accepted emission', async () => {
    const delivered: unknown[] = [];
    const grants: number[] = [];
    const feed = new ProducerFeed(
      async (e) => {
        await tick();
        delivered.push((e as { item: unknown }).item);
      },
      (n) => grants.push(n),
    );
    for (const i of [1, 2, 3]) feed.push(emit(i));
    expect(feed.count).toBe(3);
    await feed.finish();
    expect(delivered).toEqual([1, 2, 3]);
    expect(grants).toEqual([1, 1, 1]);
  });

  it('a refused emission ends the feed: later ones are dropped, finish rejects with the refusal, nothing is unhandled', async () => {
    const delivered: unknown[] = [];
    const feed = new ProducerFeed(
      async (e) => {
        const item = (e as { item: number }).item;
        if (item === 2) throw new Error('run stopped');
        delivered.push(item);
      },
      () => undefined,
    );
    for (const i of [1, 2, 3, 4]) feed.push(emit(i));
    await expect(feed.finish()).rejects.toThrow('run stopped');
    expect(feed.refused).toBe(true);
    expect(delivered).toEqual([1]);
  });

  it('settle: the worker’s answer, once every emission is settled; the worker’s error wins', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const delivered: unknown[] = [];
    const feed = new ProducerFeed(
      async (e) => {
        await gate;
        delivered.push((e as { item: unknown }).item);
      },
      () => undefined,
    );
    feed.push(emit('a'));
    let settled = false;
    const done = feed.settle(Promise.resolve('produced')).then((v) => ((settled = true), v));
    await tick();
    expect(settled).toBe(false); // still delivering
    release();
    await expect(done).resolves.toBe('produced');
    expect(delivered).toEqual(['a']);

    const failing = new ProducerFeed(
      () => Promise.reject(new Error('refused')),
      () => undefined,
    );
    failing.push(emit(1));
    await expect(failing.settle(Promise.reject(new Error('worker died')))).rejects.toThrow('worker died');
    const refusedOnly = new ProducerFeed(
      () => Promise.reject(new Error('refused')),
      () => undefined,
    );
    refusedOnly.push(emit(1));
    await expect(refusedOnly.settle(Promise.resolve('ok'))).rejects.toThrow('refused');
  });

  it('a grant that throws (the channel closed) ends the feed like a refusal', async () => {
    const feed = new ProducerFeed(
      async () => undefined,
      () => {
        throw new Error('port closed');
      },
    );
    feed.push(emit(1));
    await expect(feed.finish()).rejects.toThrow('port closed');
  });
});

describe('CreditWindow', () => {
  it(`lets ${PRODUCER_WINDOW} emissions through without waiting, then waits for grants`, async () => {
    const window = new CreditWindow();
    for (let i = 0; i < PRODUCER_WINDOW; i++) expect(window.take()).toBeUndefined();
    const waiting = window.take();
    expect(waiting).toBeInstanceOf(Promise);
    let through = false;
    void waiting!.then(() => (through = true));
    await tick();
    expect(through).toBe(false);
    window.grant(1);
    await tick();
    expect(through).toBe(true);
  });

  it('a grant of one lets one waiter through; the others keep waiting', async () => {
    const window = new CreditWindow();
    for (let i = 0; i < PRODUCER_WINDOW; i++) window.take();
    const passed: number[] = [];
    for (const i of [1, 2, 3]) void window.take()!.then(() => passed.push(i));
    window.grant(1);
    await tick();
    expect(passed).toEqual([1]);
    window.grant(2);
    await tick();
    expect(passed).toEqual([1, 2, 3]);
  });

  it('close rejects the waiters and every later take with the error', async () => {
    const window = new CreditWindow();
    for (let i = 0; i < PRODUCER_WINDOW; i++) window.take();
    const waiting = window.take()!;
    const cancelled = new Error('cancelled');
    window.close(cancelled);
    await expect(waiting).rejects.toBe(cancelled);
    await expect(window.take()).rejects.toBe(cancelled);
    window.grant(10);
    await expect(window.take()).rejects.toBe(cancelled);
  });
});
