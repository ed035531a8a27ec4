/**
 * Output that an executor hands back as a stream (what a transport reads back from disk): delivered as it is
 * read, with backpressure, also with `ordered: true`; a read that fails part-way fails that input only. The
 * strategy here is a plugin written against the public contract, whose executor answers every attempt with
 * an async iterable, as an isolated strategy with a transport does.
 */
import { describe, expect, it } from 'vitest';
import { Registry, pipeline, type Emission, type Strategy } from '@minigun/core';
import { assertAccounting } from '@minigun/core/testing';

interface Reads {
  /** Emissions read so far, over all inputs. */
  read: number;
}

/** Each input n is answered by a stream of `per` emits [n, i]; input `failAt` fails after 5 of them. */
function streamingStrategy(reads: Reads, per: number, failAt?: number): Strategy {
  return {
    name: 'streaming',
    isolated: false,
    createExecutor: () => ({
      execute: async (attempt) =>
        (async function* (): AsyncGenerator<Emission> {
          const n = attempt.input as number;
          for (let i = 0; i < per; i++) {
            if (n === failAt && i === 5) throw new Error(`record ${i} of input ${n} is corrupt`);
            reads.read++;
            yield { kind: 'emit', item: [n, i] };
          }
          yield { kind: 'collect', key: 'streamed', value: n };
        })(),
      close: async () => undefined,
    }),
  };
}

function build(ordered: boolean) {
  return pipeline<{ readsAtFirst: number[]; reads: Reads }>(`streamed-${ordered ? 'ordered' : 'unordered'}`, (p) => {
    p.producer('gen', () => [0, 1, 2, 3]);
    p.processor('work', { strategy: 'streaming', concurrency: 4, ordered }, () => undefined);
    p.consumer('sink', { queueSize: 4 }, (pair: [number, number], _out, ctx) => {
      if (ctx.state.readsAtFirst.length === 0) ctx.state.readsAtFirst.push(ctx.state.reads.read);
      ctx.collect('out', pair);
    });
  });
}

const per = 5000;

describe('output streamed back by an executor', () => {
  for (const ordered of [false, true]) {
    it(`is delivered as it is read, never held whole (ordered: ${ordered})`, async () => {
      const reads = { read: 0 };
      const state = { readsAtFirst: [] as number[], reads };
      const r = await build(ordered).run({ state, registry: new Registry().use({ name: 'streaming', strategies: [streamingStrategy(reads, per)] }) });
      expect(r.status).toBe('completed');
      const out = r.collected.out as Array<[number, number]>;
      expect(out).toHaveLength(4 * per);
      // When the sink got its first item, only a little of the 20,000 had been read (queues of 4).
      expect(state.readsAtFirst[0]).toBeLessThan(100);
      if (ordered) expect(out.map(([n]) => n)).toEqual([0, 1, 2, 3].flatMap((n) => Array<number>(per).fill(n)));
      expect(r.stats.stages.work!.done).toBe(4);
      assertAccounting(r);
    });

    it(`a read that fails part-way fails that input only; the run completes (ordered: ${ordered})`, async () => {
      const reads = { read: 0 };
      const state = { readsAtFirst: [] as number[], reads };
      const r = await build(ordered).run({ state, registry: new Registry().use({ name: 'streaming', strategies: [streamingStrategy(reads, 50, 1)] }) });
      expect(r.status).toBe('completed');
      expect(r.errors.filter((e) => e.kind === 'run')).toEqual([]);
      const items = r.errors.filter((e) => e.kind === 'item');
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ stage: 'work', input: 1, message: 'record 5 of input 1 is corrupt' });
      expect(r.stats.stages.work).toMatchObject({ in: 4, done: 3, failed: 1, retried: 0 });
      const out = r.collected.out as Array<[number, number]>;
      // What was read before the failure was delivered (5 records); the other inputs whole.
      expect(out.filter(([n]) => n === 1)).toHaveLength(5);
      for (const n of [0, 2, 3]) expect(out.filter(([m]) => m === n)).toHaveLength(50);
      if (ordered)
        expect(out.map(([n]) => n)).toEqual([
          ...Array<number>(50).fill(0),
          ...Array<number>(5).fill(1),
          ...Array<number>(50).fill(2),
          ...Array<number>(50).fill(3),
        ]);
      expect((r.collected.streamed as number[]).sort()).toEqual([0, 2, 3]);
      assertAccounting(r);
    });
  }

  it('a stream that fails is not retried, whatever retries says (its first records are delivered already)', async () => {
    const reads = { read: 0 };
    const p = pipeline<{ readsAtFirst: number[]; reads: Reads }>('streamed-retries', (q) => {
      q.producer('gen', () => [1]);
      q.processor('work', { strategy: 'streaming', retries: 3, ordered: true, concurrency: 2 }, () => undefined);
      q.consumer('sink', (pair: [number, number], _out, ctx) => ctx.collect('out', pair));
    });
    const r = await p.run({
      state: { readsAtFirst: [], reads },
      registry: new Registry().use({ name: 'streaming', strategies: [streamingStrategy(reads, 50, 1)] }),
    });
    expect(r.stats.stages.work).toMatchObject({ failed: 1, retried: 0 });
    expect(r.collected.out).toHaveLength(5);
  });
});
