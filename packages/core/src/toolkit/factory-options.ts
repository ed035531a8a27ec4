/**
 * Checks the options object of a plugin factory (`threadStrategies({ … })`, `forkStrategies({ … })`, a
 * transport's options) once, when the factory is called: every option is known, of the right type and in
 * range, so that a bad value fails at once with an error naming it instead of hanging or spinning a run
 * later. Options meant for a sibling factory (a `cow-fork` option given to `ipcForkStrategy`) are refused
 * with the reason, so that nothing is accepted and ignored.
 */
import { ErrorCodes, MinigunError } from '../errors.js';

/** How one option is checked: `expected` completes "… must be …" in the error. */
export interface OptionRule {
  readonly expected: string;
  check(value: unknown): boolean;
}

/** The usual rules. Ranges are inclusive. */
export const optionRules = {
  /** A whole number in [min, max]. */
  integer: (min: number, max: number = Number.MAX_SAFE_INTEGER): OptionRule => ({
    expected: max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`,
    check: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
  }),
  /** A finite number in [min, max] (`above`: strictly more than min). */
  number: (min: number, max: number = Number.MAX_VALUE, above = false): OptionRule => ({
    expected: `a finite number ${above ? 'above' : 'of at least'} ${min}${max === Number.MAX_VALUE ? '' : ` and at most ${max}`}`,
    check: (v) => typeof v === 'number' && Number.isFinite(v) && (above ? v > min : v >= min) && v <= max,
  }),
  /** A delay for setTimeout: 0 to 2^31 - 1 ms (Node fires longer ones at once). */
  milliseconds: (): OptionRule => ({
    expected: 'a number of milliseconds from 0 to 2147483647',
    check: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 2 ** 31 - 1,
  }),
  boolean: (): OptionRule => ({ expected: 'true or false', check: (v) => typeof v === 'boolean' }),
  string: (): OptionRule => ({ expected: 'a non-empty string', check: (v) => typeof v === 'string' && v !== '' }),
  oneOf: (values: readonly unknown[]): OptionRule => ({
    expected: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    check: (v) => values.includes(v),
  }),
  /** A plain object whose own entries each pass `entries` (when given: its keys are then the only ones allowed). */
  object: (entries?: Record<string, OptionRule>): OptionRule => ({
    expected:
      entries === undefined
        ? 'an object'
        : `an object with ${Object.entries(entries)
            .map(([k, r]) => `${k} (${r.expected})`)
            .join(', ')}`,
    check: (v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
      if (entries === undefined) return true;
      return Object.entries(v).every(([k, x]) => x === undefined || (entries[k]?.check(x) ?? false));
    },
  }),
  /** An array of strings. */
  strings: (): OptionRule => ({ expected: 'an array of strings', check: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string') }),
  /** An object with these methods. */
  methods: (...names: string[]): OptionRule => ({
    expected: `an object with ${names.map((n) => `${n}()`).join(', ')}`,
    check: (v) => v !== null && typeof v === 'object' && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function'),
  }),
} as const;

/**
 * Throws `ERR_MINIGUN_INVALID_OPTION` unless every own option of `options` (undefined ones are skipped) has a
 * rule and passes it. `elsewhere` names options that belong to a sibling factory, with where they go.
 * `factory` is how the user called it, e.g. `threadStrategies()`.
 */
export function checkFactoryOptions(
  factory: string,
  options: unknown,
  rules: Readonly<Record<string, OptionRule>>,
  elsewhere: Readonly<Record<string, string>> = {},
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new MinigunError(ErrorCodes.INVALID_OPTION, `${factory} expects an options object, got ${show(options)}.`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = rules[key];
    if (rule === undefined) {
      const where = elsewhere[key];
      throw new MinigunError(
        ErrorCodes.INVALID_OPTION,
        where !== undefined
          ? `${factory} does not take option "${key}": ${where}.`
          : `${factory} has no option "${key}". Its options: ${Object.keys(rules).join(', ')}.`,
      );
    }
    if (!rule.check(value)) {
      throw new MinigunError(ErrorCodes.INVALID_OPTION, `${factory}: option ${key} must be ${rule.expected}, got ${show(value)}.`);
    }
  }
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'symbol' || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
