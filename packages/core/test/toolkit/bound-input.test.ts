import { describe, expect, it } from 'vitest';
import { boundInput } from '../../src/runtime/context.js';

/** What `errors[i].input` costs to keep: its JSON length, or the string's for a summary. */
const size = (kept: unknown): number => (typeof kept === 'string' ? kept.length : (JSON.stringify(kept)?.length ?? 0));

describe('boundInput (the input kept in errors[i].input)', () => {
  it('keeps small values as they are (the same object, not a copy)', () => {
    const input = { id: 7, tags: ['a', 'b'] };
    expect(boundInput(input, 100)).toBe(input);
    const list = [1, 2, 3];
    expect(boundInput(list, 100)).toBe(list);
    for (const v of [0, -1.5, true, null, undefined, 10n, 'short']) expect(boundInput(v, 100)).toBe(v);
  });

  it('keeps a value exactly at the bound, and summarises one a character above it', () => {
    const input = { s: 'x'.repeat(10) }; // {"s":"xxxxxxxxxx"}: 18 characters as JSON
    expect(boundInput(input, 18)).toBe(input);
    expect(typeof boundInput(input, 17)).toBe('string');
    expect(boundInput('abcdef', 6)).toBe('abcdef');
    expect(boundInput('abcdefg', 6)).toBe('abcdef… (7 chars)');
  });

  it('cuts a long string to the bound and says how long it was', () => {
    const kept = boundInput('y'.repeat(10_000), 50) as string;
    expect(kept).toBe(`${'y'.repeat(50)}… (10000 chars)`);
  });

  it('summarises a large object as a string: its start as JSON and its full JSON length', () => {
    const input = { id: 1, body: 'z'.repeat(5000) };
    const kept = boundInput(input, 40);
    expect(kept).toBe(`[object truncated: ${JSON.stringify(input).slice(0, 40)}… (${JSON.stringify(input).length} chars as JSON)]`);
    expect(size(kept)).toBeLessThan(40 + 60);
  });

  it('summarises a large array with its length', () => {
    const input = Array.from({ length: 1000 }, (_, i) => i);
    const kept = boundInput(input, 20) as string;
    expect(kept.startsWith('[array of 1000 truncated: [0,1,2,3,4,5,6,7,8,9')).toBe(true);
    expect(kept).toContain(`(${JSON.stringify(input).length} chars as JSON)`);
  });

  it('keeps a small value that JSON cannot represent (a cycle, a bigint) as it is', () => {
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = cyclic;
    expect(boundInput(cyclic, 100)).toBe(cyclic);
    const withBigint = { id: 2n };
    expect(boundInput(withBigint, 100)).toBe(withBigint);
  });

  it('does not keep a large value whole because JSON cannot represent it (a cycle)', () => {
    const cyclic: Record<string, unknown> = { rows: Array.from({ length: 1000 }, (_, i) => ({ i, text: 'row' })) };
    cyclic.self = cyclic;
    expect(boundInput(cyclic, 100)).not.toBe(cyclic);
    expect(typeof boundInput(cyclic, 100)).toBe('string');
    expect((boundInput(cyclic, 100) as string).length).toBeLessThan(1000);
  });

  it('does not keep a large value whole because JSON cannot represent it (a bigint)', () => {
    const input = { id: 1n, blob: 'b'.repeat(100_000) };
    expect(boundInput(input, 100)).not.toBe(input);
    expect(typeof boundInput(input, 100)).toBe('string');
    expect((boundInput(input, 100) as string).length).toBeLessThan(1000);
  });

  it('keeps a value whose JSON is undefined (a function, a symbol) as it is', () => {
    const fn = (): number => 1;
    expect(boundInput(fn, 10)).toBe(fn);
    const sym = Symbol('s');
    expect(boundInput(sym, 10)).toBe(sym);
  });
});
