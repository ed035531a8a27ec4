/**
 * SIGXFSZ in a child process that appends to a shared record file.
 *
 * Node starts with SIGXFSZ ignored, so a write past the file-size limit (`ulimit -f`) fails with EFBIG, which
 * fails the attempt with a clear error. proper-lockfile, loaded for shared files only, installs signal-exit,
 * which listens to SIGXFSZ and, when it is the only listener, re-raises it with its default action: the
 * write past the limit would kill the process instead. A do-nothing listener of ours, held while a writer
 * that locks the shared file is open, keeps signal-exit from re-raising, so the write fails as in plain Node.
 *
 * Main thread only: Node runs signal listeners in the main thread alone (a worker thread's are never
 * called), so in a worker thread signal-exit's listener is inert and ours would be too.
 *
 * When the last holder lets go, the listener is removed, unless it is the only SIGXFSZ listener then:
 * removing the last listener of a signal makes Node restore the signal's default action (terminate), not the
 * ignored state Node started with, and a listener that does nothing is what "ignored" means.
 */
import { currentThreadId } from '@minigun/core/toolkit';

let holders = 0;
let installed = false;

function ignoreFileSizeSignal(): void {}

export function holdFileSizeSignal(): void {
  if (currentThreadId() !== 0) return; // a worker thread: signals reach the main thread only
  holders++;
  if (installed) return;
  process.on('SIGXFSZ', ignoreFileSizeSignal);
  installed = true;
}

export function releaseFileSizeSignal(): void {
  if (currentThreadId() !== 0 || holders === 0) return;
  holders--;
  if (holders > 0 || !installed || process.listenerCount('SIGXFSZ') === 1) return;
  process.off('SIGXFSZ', ignoreFileSizeSignal);
  installed = false;
}
