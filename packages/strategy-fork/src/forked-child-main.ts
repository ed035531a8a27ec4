/**
 * What a child forked by the fork server does once fork(2) returned in it: become a process of its own
 * (pid, ppid, Math.random, exits through _exit), connect its own socket to the parent, and answer the
 * worker protocol there, starting with the setup, input and shutdown it was forked with.
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { serveWorker, type ParentMessage } from '@minigun/core/toolkit';
import { FrameDecoder, encodeFrame } from './frames.js';
import { trace } from './trace.js';
import type { ForkAddon } from './native.js';
import type { ChildHello } from './server-protocol.js';

export interface ForkedChildStart {
  readonly id: number;
  readonly messages: readonly ParentMessage[];
  /** Where the parent listens for its children's sockets. */
  readonly socket: string;
  readonly serverPid: number;
}

export function runForkedChild(native: ForkAddon, start: ForkedChildStart): void {
  trace?.(`child forked, minor page faults ${process.resourceUsage().minorPageFault}`);
  becomeOwnProcess(native, start.serverPid);
  const fd = native.connect(start.socket);
  // Frames go out with write(2) from here, synchronously: nothing is buffered in this process, so it can
  // leave as soon as the protocol says so, and it writes far fewer pages (each one a copy-on-write fault in
  // a forked child) than a net.Socket's write path would.
  const send = (message: unknown): void => {
    try {
      writeFully(fd, encodeFrame(message));
    } catch {
      // The parent went away (EPIPE): nothing is left to do, as when its socket ends.
      native.exit(1);
    }
  };
  send({ t: 'hello', id: start.id } satisfies ChildHello);
  // The socket only reads: messages that come after the fork (cancel, credit, a reader's items).
  const socket = new Socket({ fd, readable: true, writable: false });
  trace?.(`child connected, minor page faults ${process.resourceUsage().minorPageFault}`);
  // The parent went away (or closed this child's socket): nothing is left to do.
  socket.on('end', () => native.exit(0));
  socket.on('error', () => native.exit(1));
  const decoder = new FrameDecoder();
  serveWorker({
    send: (m) => {
      trace?.(`child send ${(m as { t: string }).t}`);
      send(m);
    },
    onMessage: (listener) => {
      for (const m of start.messages) listener(m);
      socket.on('data', (chunk: Buffer) => {
        for (const m of decoder.push(chunk)) listener(m as ParentMessage);
      });
    },
    // Everything sent is in the socket already: leave at once, as a spawned child does: process 'exit'
    // listeners run (a transport's or library's cleanup in this child), then _exit through reallyExit,
    // without the native exit-time teardown of the process this one is a copy of.
    exit: () => {
      trace?.(`child exits, minor page faults ${process.resourceUsage().minorPageFault}`);
      process.exit(0);
    },
    threadId: 0,
  });
}

/** For the EAGAIN back-off: a wait that never ends early. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * write(2) until all of `frame` is in the socket. libuv made the descriptor non-blocking for reading: when
 * the socket buffer is full (the parent has not read yet), wait a millisecond and try again.
 */
function writeFully(fd: number, frame: Buffer): void {
  let at = 0;
  while (at < frame.length) {
    try {
      at += writeSync(fd, frame, at, frame.length - at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** What a copy of the server must not share with it, or with its siblings. */
function becomeOwnProcess(native: ForkAddon, serverPid: number): void {
  Object.defineProperty(process, 'pid', { value: native.getpid(), enumerable: true, configurable: true, writable: false });
  Object.defineProperty(process, 'ppid', { value: serverPid, enumerable: true, configurable: true, writable: true });
  Math.random = seededRandom(native.seed());
  // process.exit() and a fatal error leave through _exit: a copy must not run the server's exit-time
  // teardown (atexit handlers, static destructors of the runtime it was forked from).
  (process as unknown as { reallyExit: (code?: number) => void }).reallyExit = (code) => native.exit(code ?? 0);
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    native.exit(1);
  });
}

/**
 * V8 keeps Math.random's state per isolate, seeded once at start-up: every child of one server would draw
 * the same numbers. xorshift128 reseeded from getrandom(2), 53 random bits per number like V8's.
 */
function seededRandom(seed: readonly number[]): () => number {
  let [a = 1, b = 2, c = 3, d = 4] = seed;
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    let t = d;
    const s = a;
    d = c;
    c = b;
    b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    a = (t ^ s ^ (s >>> 19)) >>> 0;
    return a;
  };
  return function random(): number {
    return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  };
}
