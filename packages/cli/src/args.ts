/** Parses `minigun run …` arguments into a RunCommand; every mistake is a UsageError that says how to fix it. */
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

export type Display = 'none' | 'progress' | 'hud';

export interface RunCommand {
  readonly command: 'run';
  readonly module: string;
  readonly pipeline?: string;
  readonly stateFile?: string;
  /** Live view; `progress` with `json` means NDJSON events on stdout. */
  readonly display: Display;
  readonly json: boolean;
  readonly graceMs?: number;
  readonly intervalMs?: number;
  readonly use: readonly string[];
}

export type Command = RunCommand | { readonly command: 'help' };

/** What decides the default display: whether stdout is a terminal and whether this is CI. */
export interface Terminal {
  readonly isTTY: boolean;
  readonly ci: boolean;
}

export function parseCommand(argv: readonly string[], terminal: Terminal): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        pipeline: { type: 'string' },
        state: { type: 'string' },
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        hud: { type: 'boolean' },
        json: { type: 'boolean' },
        grace: { type: 'string' },
        interval: { type: 'string' },
        use: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util's messages name the flag ("Unknown option '--foo'"); add the way out.
    throw new UsageError(`${(e as Error).message.replace(/\.$/, '')}. Run "minigun --help" for the options.`);
  }
  const { values, positionals, tokens } = parsed;
  if (values.help === true) return { command: 'help' };
  for (const name of ['pipeline', 'state', 'grace', 'interval']) {
    const given = tokens.flatMap((t) => (t.kind === 'option' && t.name === name ? [`"${t.value ?? ''}"`] : []));
    // node:util keeps the last one: the others would be ignored without a word.
    if (given.length > 1) throw new UsageError(`--${name} is given ${given.length} times (${given.join(', ')}), but only one value can count. Give it once.`);
  }
  const [command, module, ...rest] = positionals;
  if (command === undefined) throw new UsageError('No command given. Use "minigun run <module>" (see "minigun --help").');
  if (command !== 'run') throw new UsageError(`Unknown command "${command}". The only command is "run": minigun run <module> [options].`);
  if (module === undefined) throw new UsageError('"minigun run" needs the module that exports the pipeline: minigun run ./pipeline.ts');
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}": "minigun run" takes one module (options start with --).`);
  const graceMs = values.grace === undefined ? undefined : milliseconds('--grace', values.grace, 0);
  const intervalMs = values.interval === undefined ? undefined : milliseconds('--interval', values.interval, 1);
  const json = values.json === true;
  const display = displayOf(values, terminal);
  if (intervalMs !== undefined && display === 'none') {
    const why =
      values['no-progress'] === true
        ? '--no-progress'
        : json
          ? '--json alone prints only the result'
          : terminal.isTTY
            ? 'CI is set'
            : 'stdout is not a terminal';
    throw new UsageError(
      `--interval sets how often progress is shown, but this run shows none (${why}). It goes with --progress (progress lines, or NDJSON events with --json) or --hud: add one of them, or drop --interval.`,
    );
  }
  return { command: 'run', module, pipeline: values.pipeline, stateFile: values.state, display, json, graceMs, intervalMs, use: values.use ?? [] };
}

interface DisplayFlags {
  readonly progress?: boolean;
  readonly 'no-progress'?: boolean;
  readonly hud?: boolean;
  readonly json?: boolean;
}

/** The live view the flags ask for; the flags that contradict each other (one would be ignored) are refused. */
function displayOf(flags: DisplayFlags, terminal: Terminal): Display {
  if (flags.hud === true && flags.json === true)
    throw new UsageError('--hud and --json cannot be combined: the HUD takes the terminal, --json writes machine-readable output. Pick one.');
  if (flags.hud === true && flags['no-progress'] === true) throw new UsageError('--hud and --no-progress cannot be combined. Pick one.');
  if (flags.progress === true && flags['no-progress'] === true) throw new UsageError('--progress and --no-progress cannot be combined. Pick one.');
  if (flags.hud === true && flags.progress === true)
    throw new UsageError('--hud and --progress cannot be combined: the HUD is the live view, --progress prints progress lines instead. Pick one.');
  if (flags.hud === true && !terminal.isTTY)
    throw new UsageError('--hud needs a terminal, but stdout is not one (piped or redirected). Use --progress or --json instead.');
  if (flags.hud === true) return 'hud';
  if (flags.progress === true) return 'progress';
  if (flags['no-progress'] === true || flags.json === true) return 'none';
  return terminal.isTTY && !terminal.ci ? 'progress' : 'none';
}

/** The longest delay a Node timer holds: a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function milliseconds(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} expects a number of milliseconds >= ${min}, got "${value}".`);
  if (n > MAX_TIMER_MS) throw new UsageError(`${flag} ${value} is too long: at most ${MAX_TIMER_MS} ms (about 24.8 days), the longest delay a timer holds.`);
  return n;
}
