/**
 * What the parent and a fork server say over the server's control channel (fd 3 of the server, frames of
 * ./frames.ts). A forked child never sees this channel: it talks to the parent over its own socket.
 */
import type { ParentMessage, SerializedError, StageTarget } from '@minigun/core/toolkit';

/** Parent → server. */
export type ToServer =
  /** The first message: which stage to load, and where the parent listens for its children. */
  | { readonly t: 'init'; readonly target: StageTarget; readonly socket: string }
  /** Fork a child for worker `id`; it handles `messages` (setup, input, shutdown) from memory, at once. */
  | { readonly t: 'fork'; readonly id: number; readonly messages: readonly ParentMessage[] }
  /** Send `signal` (a number) to child `id` if it still runs. */
  | { readonly t: 'kill'; readonly id: number; readonly signal: number };

/** Server → parent. */
export type FromServer =
  /** The module is imported and the preload hooks ran: the server forks from now on. */
  | { readonly t: 'ready'; readonly pid: number }
  /** The server cannot fork safely (threads, timers, open handles at import): why, for the user. */
  | { readonly t: 'refused'; readonly reason: string }
  /** The stage cannot run at all (the module, the stage, a preload hook): the error, as spawn would report it. */
  | { readonly t: 'failed'; readonly error: SerializedError }
  | { readonly t: 'forked'; readonly id: number; readonly pid: number }
  | { readonly t: 'forkFailed'; readonly id: number; readonly message: string }
  /** Child `id` exited and was reaped: its exit code, or the number of the signal that killed it. */
  | { readonly t: 'exit'; readonly id: number; readonly code: number | null; readonly signal: number | null };

/** A child's first frame on its socket: which worker it is. */
export interface ChildHello {
  readonly t: 'hello';
  readonly id: number;
}
