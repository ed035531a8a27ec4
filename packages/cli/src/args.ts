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
    throw new UsageError(`${(e as Error).message}. Run "minigun --help" for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: 'help' };
  const [command, module, ...rest] = positionals;
  if (command === undefined) throw new UsageError('No command given. Use "minigun run <module>" (see "minigun --help").');
  if (command !== 'run') throw new UsageError(`Unknown command "${command}". The only command is "run": minigun run <module> [options].`);
  if (module === undefined) throw new UsageError('"minigun run" needs the module that exports the pipeline: minigun run ./pipeline.ts');
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}": "minigun run" takes one module (options start with --).`);
  if (values.hud === true && values.json === true)
    throw new UsageError('--hud and --json cannot be combined: the HUD takes the terminal, --json writes machine-readable output. Pick one.');
  if (values.hud === true && values['no-progress'] === true) throw new UsageError('--hud and --no-progress cannot be combined. Pick one.');
  if (values.progress === true && values['no-progress'] === true) throw new UsageError('--progress and --no-progress cannot be combined. Pick one.');
  if (values.hud === true && !terminal.isTTY)
    throw new UsageError('--hud needs a terminal, but stdout is not one (piped or redirected). Use --progress or --json instead.');
  const json = values.json === true;
  const display: Display =
    values.hud === true
      ? 'hud'
      : values.progress === true
        ? 'progress'
        : values['no-progress'] === true || json
          ? 'none'
          : terminal.isTTY && !terminal.ci
            ? 'progress'
            : 'none';
  return {
    command: 'run',
    module,
    pipeline: values.pipeline,
    stateFile: values.state,
    display,
    json,
    graceMs: values.grace === undefined ? undefined : milliseconds('--grace', values.grace, 0),
    intervalMs: values.interval === undefined ? undefined : milliseconds('--interval', values.interval, 1),
    use: values.use ?? [],
  };
}

function milliseconds(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} expects a number of milliseconds >= ${min}, got "${value}".`);
  return n;
}
