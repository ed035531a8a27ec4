/**
 * The proper-lockfile settings for appends to a shared record file, in one place so that every writer
 * (and the tests that leave a stale lock behind) use the same.
 */
import type { LockOptions } from 'proper-lockfile';

export function lockOptions(staleMs: number, onCompromised: (error: Error) => void): LockOptions {
  return {
    // A holder refreshes the lock's mtime every `update` ms; one silent for `stale` ms was killed (or is
    // frozen) and its lock is taken over. proper-lockfile's floor for stale is 2 s.
    stale: staleMs,
    update: Math.max(1000, Math.floor(staleMs / 2)),
    // The record file is ours, in a directory we created: no symlinks to resolve, and a realpath() call per
    // lock would cost a syscall for nothing.
    realpath: false,
    // Waiting writers retry for longer than the stale time, so a lock left by a killed writer is always
    // taken over rather than failing the attempts that wait for it. Short first waits: locks are held for
    // one write.
    retries: { retries: Math.ceil((2 * staleMs) / 100) + 10, factor: 1.5, minTimeout: 5, maxTimeout: 100, randomize: true },
    // proper-lockfile's default throws from a timer, which crashes the process: record
    // it instead, and the append in progress fails its attempt.
    onCompromised,
  };
}
