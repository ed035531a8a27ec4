/**
 * `minigun run`: parse, load plugins and the module, run the pipeline under the runner's signal handling
 * with the chosen view, print the result (report or JSON) and return the exit code:
 * 0 completed, 1 failed (or the module threw while loading), 130 cancelled, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCodes, defaultRegistry, type RunResult } from '@minigun/core';
import { parseCommand, type RunCommand } from './args.js';
import { toJson } from './json.js';
import { loadPipeline } from './load-pipeline.js';
import { usePlugins } from './load-plugins.js';
import { ModuleLoadError } from './module-load-error.js';
import { formatReport } from './report.js';
import { USAGE, UsageError } from './usage-error.js';
import { createView, type ViewStreams } from './views.js';

export const EXIT = { completed: 0, failed: 1, cancelled: 130, usage: 2 } as const;

export interface CliEnvironment extends ViewStreams {
  readonly stdout: ViewStreams['stdout'] & { isTTY?: boolean };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborting it cancels the run gracefully, as `q` in the HUD does (the bin's: its output's reader went away). */
  readonly signal?: AbortSignal;
}

/** Run errors that are the caller's to fix (a missing plugin, a module option): usage errors, with a hint. */
const SETUP_CODES: ReadonlySet<string> = new Set([
  ErrorCodes.UNKNOWN_STRATEGY,
  ErrorCodes.UNKNOWN_TRANSPORT,
  ErrorCodes.MODULE_REQUIRED,
  ErrorCodes.TS_LOADER,
  ErrorCodes.INVALID_OPTION,
]);

export async function runCli(argv: readonly string[], io: CliEnvironment): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr.write(`minigun: ${message}\n`);
    return code;
  };
  try {
    const cmd = parseCommand(argv, { isTTY: io.stdout.isTTY === true, ci: isCi(io.env) });
    if (cmd.command === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    return await run(cmd, io);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, EXIT.usage);
    if (e instanceof ModuleLoadError) return fail(e.message, EXIT.failed);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && SETUP_CODES.has(code)) {
      const hint =
        code === ErrorCodes.UNKNOWN_STRATEGY || code === ErrorCodes.UNKNOWN_TRANSPORT ? ' From the command line: minigun run <module> --use <package>.' : '';
      return fail(`the run could not start: ${(e as Error).message}${hint}`, EXIT.usage);
    }
    return fail(`internal error: ${(e as Error).stack ?? String(e)}`, EXIT.failed);
  }
}

async function run(cmd: RunCommand, io: CliEnvironment): Promise<number> {
  const state = cmd.stateFile === undefined ? undefined : readState(resolve(io.cwd, cmd.stateFile));
  if (cmd.use.length > 0) await usePlugins(cmd.use, defaultRegistry, io.cwd);
  const pipeline = await loadPipeline(cmd.module, cmd.pipeline, io.cwd);
  const controller = new AbortController();
  const view = createView(cmd, pipeline, io, () => controller.abort());
  const cancel = (): void => controller.abort(io.signal?.reason);
  if (io.signal?.aborted === true) cancel();
  io.signal?.addEventListener('abort', cancel, { once: true });
  let result: RunResult;
  try {
    result = await pipeline.run({
      state,
      // Plugins from --use are in this CLI's defaultRegistry; otherwise the pipeline's own default applies.
      ...(cmd.use.length > 0 ? { registry: defaultRegistry } : {}),
      signal: controller.signal,
      handleSignals: true,
      ...(cmd.graceMs === undefined ? {} : { graceMs: cmd.graceMs }),
      ...(view.progress === undefined ? {} : { progress: view.progress, progressIntervalMs: cmd.intervalMs ?? (cmd.json ? 1000 : 250) }),
    });
  } finally {
    io.signal?.removeEventListener('abort', cancel);
    view.close();
  }
  if (cmd.json) {
    const json = toJson(result);
    // NDJSON when progress events preceded it, so that every line parses on its own.
    io.stdout.write(cmd.display === 'progress' ? `${JSON.stringify({ type: 'result', ...(json as object) })}\n` : `${JSON.stringify(json, null, 2)}\n`);
  } else {
    io.stdout.write(`${formatReport(result)}\n`);
  }
  return EXIT[result.status];
}

function readState(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`--state: cannot read ${path} (${reason}). Give the path of a JSON file with the run's initial state.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--state: ${path} is not valid JSON (${(e as Error).message}).`);
  }
}

function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI;
  return (
    (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') ||
    env.CONTINUOUS_INTEGRATION !== undefined ||
    env.GITHUB_ACTIONS !== undefined
  );
}
