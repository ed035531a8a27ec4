/** How a bench's entry runs: progress on stderr with --json, and the exit code of `main`. */

/** Progress messages: on stderr when stdout carries the JSON document, silent otherwise (the tables say it). */
export function progressLog(json: boolean): (msg: string) => void {
  return (msg) => {
    if (json) process.stderr.write(`${msg}\n`);
  };
}

/**
 * Runs a bench's `main` and sets the exit code it returns (0: every sum right, 1: a wrong sum or a failed run);
 * an exception (a bad option, a crash) prints its message and exits with 2.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 2;
    },
  );
}
