/**
 * How the `minigun` process ends. Not with `process.exit` right after the output: what a pipe's reader has
 * not taken yet (beyond the 64 KiB a pipe holds) would be dropped. The exit code goes in `process.exitCode`
 * and the process ends when its event loop drains. What the pipeline's module left open (an interval, a
 * socket, a connection pool) would keep it alive for ever: once the output is flushed, such leftovers get
 * LINGER_MS, then the process exits anyway and says what was still open.
 */

const LINGER_MS = 1000;

export interface ProcessOutput {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Sets the exit code; if the process is still alive LINGER_MS after the output is flushed, exits and names
 * what is open beyond `openBefore` (what `process.getActiveResourcesInfo()` listed before the run: this
 * process's own stdio handles).
 */
export function endProcess(code: number, { stdout, stderr }: ProcessOutput, openBefore: readonly string[]): void {
  process.exitCode = code;
  void Promise.all([flushed(stdout), flushed(stderr)]).then(() => {
    // Unref'd: it does not keep the process alive, it fires only if something else does.
    setTimeout(() => {
      const left = openedSince(openBefore);
      stderr.write(
        `minigun: the run is over, but the module left ${left.length === 0 ? 'something' : left.join(', ')} open, which would keep this process alive: exiting with code ${code}. Close what it opens in an afterRun hook.\n`,
      );
      process.exit(code);
    }, LINGER_MS).unref();
  });
}

/** The types of the resources open now that were not open before (a difference of multisets: `Timeout` ×2). */
function openedSince(before: readonly string[]): string[] {
  const unmatched = [...before];
  return process.getActiveResourcesInfo().filter((type) => {
    const i = unmatched.indexOf(type);
    if (i !== -1) unmatched.splice(i, 1);
    return i === -1;
  });
}

/** Resolves once everything written to `stream` so far has been handed to the OS, or the stream failed. */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * A signal aborted when writing the output fails: the reader closed the pipe (EPIPE, `minigun run … | head`),
 * or the stream broke. Nothing more can be delivered, so the run is cancelled; an error other than EPIPE on
 * stdout is reported on stderr. Listening also keeps such an error from crashing the process mid-run.
 */
export function whenOutputGone({ stdout, stderr }: ProcessOutput): AbortSignal {
  const gone = new AbortController();
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') stderr.write(`minigun: cannot write to stdout (${e.message}): cancelling the run.\n`);
    gone.abort(e);
  });
  // An error of stderr cannot be reported anywhere: it is the abort reason, and the run is cancelled.
  stderr.on('error', (e: Error) => gone.abort(e));
  return gone.signal;
}
