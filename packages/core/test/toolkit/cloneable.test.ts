import { describe, expect, it } from 'vitest';
import { assertCloneable, findUncloneable } from '@minigun/core/toolkit';
import { ErrorCodes, MinigunError } from '@minigun/core';

class Client {
  constructor(readonly url: string) {}
  query(): string {
    return this.url;
  }
}
class PooledClient extends Client {}
class Lazy {
  get ready(): boolean {
    return true;
  }
}
class Point {
  x = 1;
  y = 2;
}
function onDone(): void {}

describe('findUncloneable', () => {
  it.each([
    ['a function', onDone, 'a function (onDone)'],
    ['an arrow function', () => 1, 'a function'],
    ['a symbol', Symbol('s'), 'a symbol'],
    ['a class instance with methods', new Client('db://x'), 'an instance of Client'],
    ['an instance of a subclass (inherited methods)', new PooledClient('db://x'), 'an instance of PooledClient'],
    ['a class instance with a getter', new Lazy(), 'an instance of Lazy'],
    ['a promise', Promise.resolve(1), 'an instance of Promise'],
    ['a WeakMap', new WeakMap(), 'an instance of WeakMap'],
  ])('finds %s at the root', (_what, value, what) => {
    const found = findUncloneable(value, 'state');
    expect(found?.path).toBe('state');
    expect(found?.what).toContain(what);
  });

  it('names the path of a nested value: properties, array indexes, odd keys', () => {
    expect(findUncloneable({ a: { b: [1, 2, onDone] } }, 'state')?.path).toBe('state.a.b[2]');
    expect(findUncloneable({ 'odd key': { ok: 1, fn: onDone } }, 'input')?.path).toBe('input["odd key"].fn');
    expect(findUncloneable([[0], [1, [2, Symbol('x')]]], 'item')?.path).toBe('item[1][1][1]');
    expect(findUncloneable({ $id: 1, _db: new Client('x') }, 'state')?.path).toBe('state._db');
    expect(findUncloneable({ '0': onDone }, 'state')?.path).toBe('state["0"]');
  });

  it('looks inside Maps (keys and values) and Sets', () => {
    expect(findUncloneable({ m: new Map([['k', { fn: onDone }]]) }, 'state')?.path).toBe('state.m.get("k").fn');
    expect(findUncloneable(new Map<unknown, unknown>([[onDone, 1]]), 'state')?.path).toBe('state.<key 0>');
    expect(
      findUncloneable(
        new Map<unknown, unknown>([
          ['a', 1],
          [{ cb: onDone }, 2],
        ]),
        'state',
      )?.path,
    ).toBe('state.<key 1>.cb');
    expect(findUncloneable(new Set([1, 2, new Client('x')]), 'state')?.path).toBe('state.<item 2>');
    expect(findUncloneable({ s: new Set([new Set([Symbol('deep')])]) }, 'state')?.path).toBe('state.s.<item 0>.<item 0>');
  });

  it('does not name a Map value by a key the Map does not have', () => {
    // The value under key 7 is the Map's first entry: `.get(0)` would point at a key that does not exist.
    const found = findUncloneable(new Map<unknown, unknown>([[7, onDone]]), 'state');
    expect(found?.path).toMatch(/^state\./);
    expect(found?.path).not.toBe('state.get(0)');
  });

  it('reports the first uncloneable value only', () => {
    const found = findUncloneable({ a: 1, first: onDone, second: Symbol('s') }, 'state');
    expect(found).toEqual({ path: 'state.first', what: 'a function (onDone)' });
  });

  it('finds a function behind a getter of a plain object (structured clone reads getters too)', () => {
    const value = {
      get handler() {
        return onDone;
      },
    };
    expect(findUncloneable(value, 'state')?.path).toBe('state.handler');
  });

  it('looks inside class instances without methods and objects without a prototype', () => {
    expect(findUncloneable(new Point(), 'state')).toBeUndefined();
    expect(findUncloneable(Object.assign(new Point(), { cb: onDone }), 'state')?.path).toBe('state.cb');
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { ok: 1, cb: onDone });
    expect(findUncloneable(bare, 'state')?.path).toBe('state.cb');
  });

  it('terminates on cycles, and still finds a bad value next to one', () => {
    const a: Record<string, unknown> = { name: 'a' };
    const b: Record<string, unknown> = { name: 'b', a };
    a.b = b;
    a.list = [a, b];
    const m = new Map<string, unknown>();
    m.set('self', m);
    a.m = m;
    expect(findUncloneable(a, 'state')).toBeUndefined();
    b.cb = onDone;
    expect(findUncloneable(a, 'state')?.path).toBe('state.b.cb');
  });

  it('passes plain data and every built-in that structured clone copies faithfully', () => {
    const shared = { id: 1 };
    const values: unknown[] = [
      undefined,
      null,
      0,
      NaN,
      -0,
      'text',
      true,
      10n,
      { a: 1, b: [1, 'two', { c: null }], d: undefined },
      [shared, shared],
      new Date(0),
      /re+/gi,
      new Map<unknown, unknown>([
        ['k', { v: 1 }],
        [{ key: 'object' }, [1]],
      ]),
      new Set([1, 'a', { b: 2 }]),
      new Uint8Array([1, 2]),
      new Float64Array(3),
      new BigInt64Array(1),
      new ArrayBuffer(8),
      new DataView(new ArrayBuffer(4)),
      new Error('e'),
      new TypeError('t'),
      Object(1),
      Object('s'),
      Object(true),
      Object.create(null),
      new Point(),
    ];
    for (const [i, value] of values.entries()) {
      expect(findUncloneable(value, 'state'), `value ${i}`).toBeUndefined();
      expect(() => structuredClone(value)).not.toThrow();
    }
  });
});

describe('assertCloneable', () => {
  it('returns quietly for cloneable values', () => {
    expect(() => assertCloneable({ a: [1, new Date(0)], m: new Map([['k', 1]]) }, 'state', { pipeline: 'etl', stage: 'load' })).not.toThrow();
  });

  it('throws ERR_MINIGUN_UNCLONEABLE naming pipeline, stage, path and what to do', () => {
    let error: unknown;
    try {
      assertCloneable({ db: { pool: new Client('db://x') } }, 'state', { pipeline: 'etl', stage: 'load' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MinigunError);
    const e = error as MinigunError;
    expect(e.code).toBe(ErrorCodes.UNCLONEABLE);
    expect(e.pipeline).toBe('etl');
    expect(e.stage).toBe('load');
    expect(e.message).toContain('Stage "load" of pipeline "etl"');
    expect(e.message).toContain('state.db.pool is an instance of Client');
    expect(e.message).toContain('afterFork("load"');
  });

  it('uses `what` as the root of the path', () => {
    expect(() => assertCloneable({ id: 1, cb: onDone }, 'the emitted item', { pipeline: 'p', stage: 's' })).toThrow(
      'the emitted item.cb is a function (onDone)',
    );
  });
});
