/**
 * Command-line options of a bench, declared once: the declaration gives the parsed type, the defaults, the
 * usage line and the --help text. Keys are camelCase and become kebab-case options (`fibCount` → `--fib-count`).
 * Values come inline (`--runs=3`) or as the next argument (`--runs 3`); integers may use `_` (`20_000`).
 * Unknown options, missing values and bad values throw an Error whose message names the option.
 */

/** One option: its default, how to read a value, how to show the default in the usage line. */
export interface OptionSpec<T> {
  readonly help: string;
  readonly fallback: T;
  /** False for flags (`--json`), which take no value. */
  readonly takesValue: boolean;
  /** Reads the option's value; `name` is the option as written (`--runs`), for error messages. */
  parse(raw: string, name: string): T;
  /** The default as the usage line shows it (`5`, `w1,w2`). */
  show(value: T): string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;

/** The parsed options: one property per declared option, typed by its spec. */
export type ParsedArgs<S extends OptionSpecs> = { -readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

/** A flag: false unless given. */
export function flag(help: string): OptionSpec<boolean> {
  return { help, fallback: false, takesValue: false, parse: () => true, show: () => '' };
}

function parseInt(raw: string, name: string): number {
  const x = Number(raw.replaceAll('_', ''));
  if (raw.trim() === '' || !Number.isSafeInteger(x) || x < 0) throw new Error(`${name}: expected a non-negative integer, got "${raw}"`);
  return x;
}

/** A non-negative integer. Values below `min` are raised to `min` (`--runs=0` runs once). */
export function integer(fallback: number, help: string, options: { readonly min?: number } = {}): OptionSpec<number> {
  const min = options.min ?? 0;
  return { help, fallback, takesValue: true, parse: (raw, name) => Math.max(min, parseInt(raw, name)), show: String };
}

/** A comma-separated list of non-negative integers. */
export function integers(fallback: readonly number[], help: string): OptionSpec<number[]> {
  return {
    help,
    fallback: [...fallback],
    takesValue: true,
    parse: (raw, name) => raw.split(',').map((part) => parseInt(part.trim(), name)),
    show: (value) => value.join(','),
  };
}

/** A comma-separated subset of `choices` (default: all of them); a name not in `choices` is an error. */
export function subset<const C extends string>(choices: readonly C[], help: string, fallback: readonly C[] = choices): OptionSpec<Set<C>> {
  return {
    help: `${help} (any of ${choices.join(', ')})`,
    fallback: new Set(fallback),
    takesValue: true,
    parse: (raw, name) => {
      const names = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (names.length === 0) throw new Error(`${name}: expected a comma-separated list of ${choices.join(', ')}, got "${raw}"`);
      const unknown = names.filter((n) => !(choices as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.map((n) => `"${n}"`).join(', ')} (expected any of ${choices.join(', ')})`);
      return new Set(names as C[]);
    },
    show: (value) => [...value].join(','),
  };
}

const optionName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The usage line: `command [--json] [--runs=5] …`, options in declaration order. */
export function usage(command: string, specs: OptionSpecs): string {
  const parts = Object.entries(specs).map(([key, spec]) => (spec.takesValue ? `[${optionName(key)}=${spec.show(spec.fallback)}]` : `[${optionName(key)}]`));
  return [command, ...parts].join(' ');
}

/** The --help text: the usage line, then one line per option with its description. */
export function helpText(command: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(
    ([key, spec]) => [spec.takesValue ? `${optionName(key)}=${spec.show(spec.fallback)}` : optionName(key), spec.help] as const,
  );
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [usage(command, specs), '', 'Options (shown with their defaults):', ...rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`)].join('\n');
}

/**
 * Parses `argv` against `specs`. `--help` / `-h` prints the help text and exits with 0; any other problem
 * throws (the benches print the message and exit with 2).
 */
export function parseArgs<S extends OptionSpecs>(command: string, specs: S, argv: readonly string[] = process.argv.slice(2)): ParsedArgs<S> {
  const byName = new Map(Object.entries(specs).map(([key, spec]) => [optionName(key), { key, spec }]));
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = spec.fallback;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (name === '--help' || name === '-h') {
      console.log(helpText(command, specs));
      process.exit(0);
    }
    const option = byName.get(name);
    if (option === undefined) throw new Error(`unknown option ${name} (try --help)`);
    if (!option.spec.takesValue) {
      if (inline !== undefined) throw new Error(`${name} takes no value, got "${inline}"`);
      out[option.key] = option.spec.parse('', name);
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new Error(`${name} needs a value`);
    out[option.key] = option.spec.parse(raw, name);
  }
  return out as ParsedArgs<S>;
}
