import { describe, expect, it } from 'vitest';
import { deserializeError, serializeError } from '@minigun/core/toolkit';
import { ErrorCodes, MinigunError } from '@minigun/core';

/** What the parent gets for an error thrown in a worker: serialised, copied across, rebuilt. */
const roundTrip = (error: unknown): Error => deserializeError(structuredClone(serializeError(error)));

const causes = (error: unknown): unknown[] => {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
};

describe('serializeError / deserializeError', () => {
  it.each([Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map((Ctor) => [Ctor.name, Ctor] as const))(
    'keeps the built-in class %s',
    (_name, Ctor) => {
      const original = new Ctor('bad value');
      const copy = roundTrip(original);
      expect(copy).toBeInstanceOf(Ctor);
      expect(copy.name).toBe(original.name);
      expect(copy.message).toBe('bad value');
      expect(copy.stack).toBe(original.stack);
      expect(String(copy)).toBe(String(original));
    },
  );

  it('keeps the name of a custom error class (as an Error with that name)', () => {
    class ValidationError extends Error {
      override name = 'ValidationError';
    }
    class TimeoutError extends Error {}
    TimeoutError.prototype.name = 'TimeoutError'; // on the prototype, not an own field
    for (const original of [new ValidationError('field "id" missing'), new TimeoutError('took 30 s')]) {
      const copy = roundTrip(original);
      expect(copy).toBeInstanceOf(Error);
      expect(copy.name).toBe(original.name);
      expect(copy.message).toBe(original.message);
      expect(copy.stack).toBe(original.stack);
      expect(String(copy)).toBe(`${original.name}: ${original.message}`);
    }
  });

  it('keeps a string code, and the fields of a MinigunError', () => {
    const original = new MinigunError(ErrorCodes.UNCLONEABLE, 'cannot copy', { pipeline: 'etl', stage: 'load' });
    const copy = roundTrip(original) as MinigunError;
    expect(copy.name).toBe('MinigunError');
    expect(copy.code).toBe(ErrorCodes.UNCLONEABLE);
    expect(copy.pipeline).toBe('etl');
    expect(copy.stage).toBe('load');
    const io = roundTrip(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/x' }));
    expect(io).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'open', path: '/x' });
  });

  it('keeps a numeric code, like any other own primitive field', () => {
    // e.g. a database driver's error number, or an HTTP client's status in `code`
    const copy = roundTrip(Object.assign(new Error('deadlock'), { code: 1213 })) as Error & { code?: unknown };
    expect(copy.code).toBe(1213);
  });

  it('keeps own primitive fields and drops the others', () => {
    const original = Object.assign(new Error('request failed'), {
      status: 503,
      retryable: true,
      url: 'https://example.test',
      detail: null,
      body: { huge: 'payload' },
      headers: ['a'],
      retry: () => undefined,
      missing: undefined,
      id: 10n,
    });
    const copy = roundTrip(original) as unknown as Record<string, unknown>;
    expect(copy).toMatchObject({ status: 503, retryable: true, url: 'https://example.test', detail: null });
    for (const dropped of ['body', 'headers', 'retry', 'missing', 'id']) expect(Object.hasOwn(copy, dropped)).toBe(false);
    // What is kept is plain data: it survives a structured clone (a worker's postMessage, process IPC).
    expect(() => structuredClone(serializeError(original))).not.toThrow();
  });

  it('keeps the cause chain, each cause with its class, code and stack', () => {
    const root = Object.assign(new TypeError('not a number'), { code: 'E_PARSE' });
    const middle = new RangeError('bad row 7', { cause: root });
    const top = new MinigunError(ErrorCodes.RUN_FAILED, 'load failed', { cause: middle });
    const copy = roundTrip(top);
    const chain = causes(copy) as Array<Error & { code?: string }>;
    expect(chain.map((e) => [e.name, e.message])).toEqual([
      ['MinigunError', 'load failed'],
      ['RangeError', 'bad row 7'],
      ['TypeError', 'not a number'],
    ]);
    expect(chain[1]).toBeInstanceOf(RangeError);
    expect(chain[2]).toBeInstanceOf(TypeError);
    expect(chain[2]!.code).toBe('E_PARSE');
    expect(chain[2]!.stack).toBe(root.stack);
  });

  it('keeps a cause that is not an Error as a readable message', () => {
    const copy = roundTrip(new Error('outer', { cause: 'socket hang up' }));
    expect((copy.cause as Error).message).toBe('socket hang up');
  });

  it('cuts long and circular cause chains instead of recursing without end', () => {
    let deep: Error = new Error('level 0');
    for (let i = 1; i < 50; i++) deep = new Error(`level ${i}`, { cause: deep });
    const chain = causes(roundTrip(deep)) as Error[];
    expect(chain.length).toBeGreaterThanOrEqual(5);
    expect(chain.length).toBeLessThan(50);
    expect(chain.slice(0, 5).map((e) => e.message)).toEqual(['level 49', 'level 48', 'level 47', 'level 46', 'level 45']);

    const loop = new Error('a');
    const other = new Error('b', { cause: loop });
    (loop as Error & { cause?: unknown }).cause = other;
    const looped = causes(roundTrip(loop)) as Error[];
    expect(looped.length).toBeLessThan(50);
    expect(looped.slice(0, 3).map((e) => e.message)).toEqual(['a', 'b', 'a']);
  });

  it.each([
    ['a string', 'disk full', 'disk full'],
    ['an object', { reason: 'quota', left: 0 }, 'Non-error value thrown: {"reason":"quota","left":0}'],
    ['a number', 42, 'Non-error value thrown: 42'],
    ['null', null, 'Non-error value thrown: null'],
    ['undefined', undefined, 'Non-error value thrown: undefined'],
    ['a symbol', Symbol('stop'), 'Non-error value thrown: Symbol(stop)'],
    ['a bigint', 12n, 'Non-error value thrown: 12'],
  ])('turns %s thrown into an Error with a readable message', (_what, value, message) => {
    const data = serializeError(value);
    expect(data).toEqual({ name: 'Error', message });
    const copy = roundTrip(value);
    expect(copy).toBeInstanceOf(Error);
    expect(copy.message).toBe(message);
  });

  it('never throws for a circular object, with or without a prototype', () => {
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;
    expect(serializeError(circular).message).toMatch(/^Non-error value thrown: /);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { id: 2 });
    bare.self = bare;
    let data: ReturnType<typeof serializeError> | undefined;
    expect(() => (data = serializeError(bare))).not.toThrow();
    expect(data!.name).toBe('Error');
    expect(data!.message).toMatch(/^Non-error value thrown/);
  });

  it('never throws for an error whose own field throws when read', () => {
    const original = new Error('lazy');
    Object.defineProperty(original, 'details', {
      enumerable: true,
      get() {
        throw new Error('connection closed');
      },
    });
    let data: ReturnType<typeof serializeError> | undefined;
    expect(() => (data = serializeError(original))).not.toThrow();
    expect(data!.message).toBe('lazy');
  });

  it('deserializes data without stack or props into a plain error of that name', () => {
    const copy = deserializeError({ name: 'AbortError', message: 'aborted' });
    expect(copy).toBeInstanceOf(Error);
    expect(copy.name).toBe('AbortError');
    expect(copy.message).toBe('aborted');
    expect(typeof copy.stack).toBe('string');
    expect(Object.hasOwn(copy, 'code')).toBe(false);
    expect(Object.hasOwn(copy, 'cause')).toBe(false);
  });
});
