/** A mistake in how the command was called (flags, module, pipeline name): exit code 2, with a hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: minigun run <module> [options]

Runs a pipeline exported by <module> (.js, .mjs, .ts, …) and prints a report.

Options:
  --pipeline <name>   the exported pipeline to run (needed when the module exports several)
  --state <file.json> the run's initial state (ctx.state), read from a JSON file
  --progress          live progress: one line per stage on a terminal, NDJSON events with --json
  --no-progress       no live progress (the default when stdout is not a terminal, or in CI)
  --hud               full-screen live view (q: stop gracefully, p: pause rendering, Ctrl-C: signal)
  --json              the RunResult as JSON on stdout (with --progress: NDJSON events, then the result)
  --grace <ms>        how long in-flight inputs may finish after the first SIGINT/SIGTERM (default 5000)
  --interval <ms>     how often progress is shown (default 250; 1000 for NDJSON); needs a progress display
  --use <pkg>         load a strategy plugin package (repeatable), e.g. --use @minigun/strategy-fork
  -h, --help          this help

Exit codes: 0 completed, 1 failed, 130 cancelled (signal or q), 2 usage error.`;
