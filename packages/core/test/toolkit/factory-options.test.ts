import { describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError } from '@minigun/core';
import { checkFactoryOptions, optionRules } from '@minigun/core/toolkit';

const rules = {
  size: optionRules.integer(1, 10),
  delayMs: optionRules.milliseconds(),
  ratio: optionRules.number(0, 1, true),
  mode: optionRules.oneOf(['a', 'b']),
  flag: optionRules.boolean(),
  label: optionRules.string(),
  args: optionRules.strings(),
  hooks: optionRules.methods('start', 'stop'),
  limits: optionRules.object({ maxMb: optionRules.number(0, Number.MAX_VALUE, true) }),
};

function error(options: unknown, elsewhere?: Record<string, string>): MinigunError {
  try {
    checkFactoryOptions('demo()', options, rules, elsewhere);
  } catch (e) {
    expect(e).toBeInstanceOf(MinigunError);
    expect((e as MinigunError).code).toBe(ErrorCodes.INVALID_OPTION);
    return e as MinigunError;
  }
  throw new Error('expected an error');
}

describe('checkFactoryOptions', () => {
  it('accepts valid options, undefined values and no options at all', () => {
    expect(() =>
      checkFactoryOptions(
        'demo()',
        {
          size: 10,
          delayMs: 0,
          ratio: 1,
          mode: 'b',
          flag: false,
          label: 'x',
          args: [],
          hooks: { start() {}, stop() {} },
          limits: { maxMb: 1 },
          size2: undefined,
        },
        { ...rules, size2: optionRules.integer(0) },
      ),
    ).not.toThrow();
    expect(() => checkFactoryOptions('demo()', { size: undefined }, rules)).not.toThrow();
    expect(() => checkFactoryOptions('demo()', undefined, rules)).not.toThrow();
  });

  it('names the factory, the option, the range and the value given', () => {
    expect(error({ size: Number.NaN }).message).toBe('demo(): option size must be a whole number from 1 to 10, got NaN.');
    expect(error({ size: 0 }).message).toContain('got 0');
    expect(error({ size: 2.5 }).message).toContain('got 2.5');
    expect(error({ size: '3' }).message).toContain('got "3"');
    expect(error({ delayMs: 2 ** 31 }).message).toContain('from 0 to 2147483647');
    expect(error({ delayMs: -1 }).message).toContain('got -1');
    expect(error({ ratio: 0 }).message).toContain('above 0');
    expect(error({ ratio: Infinity }).message).toContain('got Infinity');
    expect(error({ mode: 'c' }).message).toContain('one of "a", "b"');
    expect(error({ flag: 1 }).message).toContain('true or false');
    expect(error({ label: '' }).message).toContain('non-empty string');
    expect(error({ args: ['a', 1] }).message).toContain('array of strings');
    expect(error({ hooks: { start() {} } }).message).toContain('start(), stop()');
    expect(error({ limits: { maxMb: 0 } }).message).toContain('maxMb');
    expect(error({ limits: { maxMB: 5 } }).message).toContain('got {"maxMB":5}');
    expect(error({ limits: [1] }).message).toContain('limits must be an object');
  });

  it('refuses unknown options, listing the known ones, or saying where a sibling option goes', () => {
    expect(error({ sise: 3 }).message).toBe(`demo() has no option "sise". Its options: ${Object.keys(rules).join(', ')}.`);
    expect(error({ spares: 3 }, { spares: 'it belongs to other()' }).message).toBe('demo() does not take option "spares": it belongs to other().');
  });

  it('refuses what is not an options object', () => {
    for (const bad of [null, 5, 'x', [1]]) expect(error(bad).message).toMatch(/^demo\(\) expects an options object, got /);
  });

  it('shows values JSON cannot (a cycle, a function, a bigint) without throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(error({ label: cyclic }).message).toContain('got [object Object]');
    expect(error({ label: () => 1 }).message).toContain('got a function');
    expect(error({ label: 5n }).message).toContain('got 5');
  });
});
