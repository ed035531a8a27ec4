import { describe, expect, it } from 'vitest';
import { toJson } from '../src/json';

describe('toJson', () => {
  it('turns errors, maps, sets, bigints and cycles into plain JSON data', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const shared = { x: 1 };
    const error = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    expect(
      toJson({ error, map: new Map([['k', 1]]), set: new Set([1, 2]), big: 10n, fn: () => 1, nan: NaN, cyclic, pair: [shared, shared], date: new Date(0) }),
    ).toEqual({
      error: { name: 'TypeError', message: 'bad', code: 'E_BAD' },
      map: { k: 1 },
      set: [1, 2],
      big: '10',
      nan: null,
      cyclic: { a: 1, self: '[Circular]' },
      pair: [{ x: 1 }, { x: 1 }], // a shared object is not a cycle
      date: '1970-01-01T00:00:00.000Z',
    });
  });
});
