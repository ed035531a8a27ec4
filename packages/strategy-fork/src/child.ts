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
process.on('SIGINT', () => undefined);

serveWorker({
  send: (message) => void process.send!(message),
  onMessage: (listener) => void process.on('message', (m) => listener(m as ParentMessage)),
  // Disconnecting flushes what was sent; the 'disconnect' handler then exits.
  exit: () => process.disconnect(),
});
