/**
 * The child process entry of both fork strategies: the shared worker protocol over process IPC.
 */
import { serveWorker, type ParentMessage } from '@minigun/core/toolkit';

if (process.send === undefined) {
  console.error('@minigun/strategy-fork: the child entry must be started by the fork strategies (it needs an IPC channel).');
  process.exit(1);
}
// Orphan safety: when the parent dies or lets go, the IPC channel disconnects; nothing is left to do.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the parent decides when children stop (grace, then kill).
process.on('SIGINT', () => undefined); // ignored on purpose: see above

/** Settles once everything sent so far is written: a large reply may still be in flight when `exit` comes. */
let sent: Promise<void> = Promise.resolve();

serveWorker({
  send: (message) => {
    sent = new Promise<void>((resolve) => void process.send!(message, () => resolve()));
  },
  onMessage: (listener) => void process.on('message', (m) => listener(m as ParentMessage)),
  // Once the replies are written, let go of the channel; the 'disconnect' handler then exits.
  exit: () =>
    void sent.then(() => {
      if (process.connected) process.disconnect();
    }),
  // A forked process's main thread (node:worker_threads is then never loaded).
  threadId: 0,
});
