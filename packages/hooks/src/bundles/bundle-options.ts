/**
 * The options of a hook bundle factory (`connectionLifecycle({ … })`, `timingStats({ … })`), checked once when
 * the bundle is made: every option known, of the right type. A bad option is an `InvalidOptionError` (code
 * `ERR_MINIGUN_INVALID_OPTION`, as in core) naming the bundle, the option, what it must be and what it got.
 */
import { InvalidOptionError } from '../invalid-option-error';

/** What an option must be: a description for the error, and the check. */
export interface BundleOption {
  readonly expected: string;
  check(value: unknown): boolean;
}

export const bundleOption = {
  name: (): BundleOption => ({ expected: 'a non-empty string', check: (v) => typeof v === 'string' && v !== '' }),
  fn: (): BundleOption => ({ expected: 'a function', check: (v) => typeof v === 'function' }),
  flag: (): BundleOption => ({ expected: 'true or false', check: (v) => typeof v === 'boolean' }),
  stages: (): BundleOption => ({
    expected: 'a non-empty array of stage names (omit it to cover every stage)',
    check: (v) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== ''),
  }),
} as const;

/** Throws unless `options` is an object whose defined entries are all in `known` and pass their check. */
export function checkBundleOptions(bundle: string, options: unknown, known: Readonly<Record<string, BundleOption>>, required: readonly string[] = []): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(`${bundle}: expects an options object, got ${show(options)}.`);
  }
  for (const key of required) {
    if ((options as Record<string, unknown>)[key] === undefined)
      throw new InvalidOptionError(`${bundle}: option ${key} must be ${known[key]!.expected}, got undefined (it is required).`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = known[key];
    if (rule === undefined) throw new InvalidOptionError(`${bundle}: unknown option "${key}". Its options: ${Object.keys(known).join(', ')}.`);
    if (!rule.check(value)) throw new InvalidOptionError(`${bundle}: option ${key} must be ${rule.expected}, got ${show(value)}.`);
  }
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object' || value === null) return String(typeof value === 'string' ? JSON.stringify(value) : value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value); // a cycle: its kind is enough to say what it was
  }
}
