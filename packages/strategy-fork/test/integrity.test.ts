/**
 * Data integrity across the process boundary (the Ruby gem's fork data integrity scenarios): every item exactly once with
 * duplicates kept, empty input, one input, concurrency larger than the input, 2 MB strings and byte arrays
 * intact both ways (hashes), complex structured-clone values. The fixtures are plain JavaScript modules
 * (compiled-pipeline style), imported by the children without a TypeScript loader.
 */
import { describe, expect, it } from 'vitest';
import { bigBytes, bigString, complexValue, sha256 } from './fixtures/data.mjs';
import { complexCow, complexIpc, largeCow, largeIpc, passCow, passIpc, wideCow, wideIpc } from './fixtures/integrity.mjs';
import { expectAccounting, registry, sorted } from './util.ts';

const byIndex = <T extends { i: number }>(values: unknown[] | undefined): T[] => [...((values ?? []) as T[])].sort((a, b) => a.i - b.i);

/** 200 inputs: 0..59 three times and 0..19 once more (duplicates of duplicates). */
const items200 = [...Array.from({ length: 180 }, (_, i) => i % 60), ...Array.from({ length: 20 }, (_, i) => i)];

const strategies = [
  { name: 'cow-fork', pass: passCow, wide: wideCow, large: largeCow, complex: complexCow },
  { name: 'ipc-fork', pass: passIpc, wide: wideIpc, large: largeIpc, complex: complexIpc },
] as const;

for (const s of strategies) {
  describe(`${s.name}: data integrity`, () => {
    it('200 inputs with duplicates arrive exactly once each (multiset equality)', async () => {
      expect(items200).toHaveLength(200);
      const r = await s.pass.run({ state: { items: items200 }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(r.collected.out).toHaveLength(200);
      expect(sorted(r.collected.out)).toEqual(sorted(items200));
      expect(r.stats.stages.work!.in).toBe(200);
      expect(r.stats.stages.work!.done).toBe(200);
      expect(r.stats.stages.sink!.done).toBe(200);
      const pids = new Set(r.collected.pid as number[]);
      expect(pids.has(process.pid)).toBe(false);
      // cow-fork: a fresh child per input; ipc-fork: the pool of 4.
      if (s.name === 'cow-fork') expect(pids.size).toBe(200);
      else expect(pids.size).toBeLessThanOrEqual(4);
      expectAccounting(r);
    }, 120_000);

    it('empty input: nothing arrives, nothing fails, the run completes', async () => {
      const r = await s.pass.run({ state: { items: [] }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(r.collected.out).toBeUndefined();
      expect(r.collected.pid).toBeUndefined();
      expect(r.stats.stages.work!.in).toBe(0);
      expectAccounting(r);
    });

    it('one input arrives once', async () => {
      const r = await s.pass.run({ state: { items: [42] }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.collected.out).toEqual([42]);
      expect(r.collected.pid).toHaveLength(1);
      expect(r.collected.pid![0]).not.toBe(process.pid);
      expectAccounting(r);
    });

    it('concurrency 8 with 3 inputs (pool larger than input): each arrives once', async () => {
      const r = await s.wide.run({ state: { items: [7, 7, 3] }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(sorted(r.collected.out)).toEqual([3, 7, 7]);
      expectAccounting(r);
    });

    for (const kind of ['string', 'bytes'] as const) {
      it(`2 MB ${kind} inputs reach the child and come back intact (sha256 both ways)`, async () => {
        const size = 2 * 1024 * 1024;
        const count = 3;
        const expected = Array.from({ length: count }, (_, i) => sha256(kind === 'string' ? bigString(i, size) : bigBytes(i, size)));
        expect(new Set(expected).size).toBe(count);
        const r = await s.large.run({ state: { count, size, kind }, registry: registry() });
        expect(r.status).toBe('completed');
        expect(r.errors).toEqual([]);
        const child = byIndex<{ i: number; hash: string; length: number; type: string; pid: number }>(r.collected.child);
        const parent = byIndex<{ i: number; hash: string; length: number; isBytes: boolean }>(r.collected.parent);
        expect(child.map((c) => c.i)).toEqual([0, 1, 2]);
        expect(parent.map((c) => c.i)).toEqual([0, 1, 2]);
        for (let i = 0; i < count; i++) {
          expect(child[i]!.length).toBe(size);
          expect(child[i]!.hash, `input ${i} as received by the child`).toBe(expected[i]);
          expect(parent[i]!.length).toBe(size);
          expect(parent[i]!.hash, `input ${i} as sent back to the parent`).toBe(expected[i]);
          expect(child[i]!.pid).not.toBe(process.pid);
          if (kind === 'string') expect(child[i]!.type).toBe('string');
          else {
            expect(child[i]!.type).toMatch(/Uint8Array/);
            expect(parent[i]!.isBytes).toBe(true);
          }
        }
        expectAccounting(r);
      }, 60_000);
    }

    it('complex values (Map, Set, Date, BigInt, nested arrays, typed arrays, RegExp, NaN, -0) survive both ways', async () => {
      const values = [0, 1, 2].map(complexValue);
      const r = await s.complex.run({ state: { values }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const types = byIndex<Record<string, unknown> & { i: number }>(r.collected.types);
      expect(types).toHaveLength(3);
      for (const t of types) expect(t).toEqual({ i: t.i, map: true, set: true, date: true, big: true, bytes: true, regex: true, special: true, nested: true });
      const back = byIndex<ReturnType<typeof complexValue>>(r.collected.out);
      expect(back).toHaveLength(3);
      for (const v of back) {
        const original = complexValue(v.i);
        expect(v).toEqual(original);
        expect(v.map).toBeInstanceOf(Map);
        expect(v.set).toBeInstanceOf(Set);
        expect(v.date).toBeInstanceOf(Date);
        expect(v.date.getTime()).toBe(original.date.getTime());
        expect(v.big).toBe(original.big);
        expect(typeof v.negBig).toBe('bigint');
        expect(v.bytes).toBeInstanceOf(Uint8Array);
        expect(v.floats).toBeInstanceOf(Float64Array);
        expect(Object.is(v.floats[1], -0)).toBe(true);
        expect(v.regex.source).toBe('a+b');
        expect(Number.isNaN(v.special.nan)).toBe(true);
        expect(Object.is(v.special.negZero, -0)).toBe(true);
        expect('undef' in v.special).toBe(true);
      }
      expectAccounting(r);
    });
  });
}
