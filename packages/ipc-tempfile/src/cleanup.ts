/**
 * Removal of the run directories of open sessions when the process exits while a run is still open
 * (`process.exit()`, an uncaught exception): a synchronous removal on process 'exit'. Otherwise a session
 * removes its directory itself when the run closes it (normal end, failure, cancellation).
 *
 * Signals are deliberately not handled here: a library must not own the process's signals. A listener for
 * SIGINT/SIGTERM/SIGHUP changes what the signal does to the whole process, and libraries that each re-raise a
 * signal only when they are its sole listener (signal-exit and the many CLIs that use it) then swallow it:
 * each sees another listener and leaves the signal to it. A signal nobody handles ends the process by its
 * default action and may leave the run's tempfiles behind; `run({ handleSignals: true })` (and the minigun
 * CLI) turn SIGINT/SIGTERM into a cancellation, after which the run closes its sessions.
 */
import { rmSync } from 'node:fs';

const dirs = new Set<string>();

function removeAll(): void {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // The process is exiting: there is no one left to report to, and the other directories still get removed.
    }
  }
  dirs.clear();
}

export function trackDir(dir: string): void {
  if (dirs.size === 0) process.on('exit', removeAll);
  dirs.add(dir);
}

export function untrackDir(dir: string): void {
  if (!dirs.delete(dir)) return;
  if (dirs.size === 0) process.off('exit', removeAll);
}
