/**
 * Removal of the run directories of open sessions when the process ends abruptly. A session removes its
 * directory itself when the run ends; this covers `process.exit()` and a SIGINT/SIGTERM/SIGHUP that nobody
 * else handles (tmp's own exit-time cleanup does not run on signals: raszi/node-tmp#216). The listeners
 * are installed only while a session is open, and a signal we did not ask for is re-raised after the cleanup
 * so that the process still ends the way it would have. If another listener handles the signal (e.g.
 * `run({ handleSignals: true })`), the run goes on and its sessions are closed normally instead.
 */
import { rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const dirs = new Set<string>();

function removeAll(): void {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done while the process ends
    }
  }
  dirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // someone else handles it: the run closes its sessions
  removeAll();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', removeAll);
  // Signals are delivered to the main thread only.
  if (isMainThread) for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', removeAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

export function trackDir(dir: string): void {
  if (dirs.size === 0) install();
  dirs.add(dir);
}

export function untrackDir(dir: string): void {
  if (!dirs.delete(dir)) return;
  if (dirs.size === 0) uninstall();
}
