/**
 * The fork server: a quiescent Node process (started with V8's --single-threaded, so that V8 never posts
 * work to platform threads a forked child would not have) that imports the pipeline module once, runs the
 * stage's preload hooks once, and then forks one child per input with fork(2) (./native.ts).
 *
 * Its only I/O is synchronous, on its control channel (fd 3) and one pidfd per live child: between forks
 * it sleeps in poll(2) and never returns to the event loop, so it holds no timer, socket or pending request
 * a child would inherit. A child returns from the fork inside that loop, leaves it, connects its own socket
 * to the parent, and handles its setup, its one input and its shutdown (carried in its memory from the
 * fork request), then leaves through _exit.
 *
 * Refused (the parent falls back to spawn, or fails with why): a module or preload that starts a thread
 * (worker_threads, a module loader thread such as tsx's, an addon's), a timer, or any other handle.
 */
import { closeSync, readSync, readdirSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { WorkerRuntime, serializeError, type ParentMessage } from '@minigun/core/toolkit';
import { FrameDecoder, encodeFrame } from './frames.js';
import { trace } from './trace.js';
import { runForkedChild } from './forked-child-main.js';
import { loadForkAddon, type ForkAddon } from './native.js';
import type { FromServer, ToServer } from './server-protocol.js';

const CONTROL = 3;
const decoder = new FrameDecoder();
const inbox: ToServer[] = [];
const buffer = Buffer.allocUnsafe(1 << 16);

function send(message: FromServer): void {
  const frame = encodeFrame(message);
  let at = 0;
  while (at < frame.length) at += writeSync(CONTROL, frame, at, frame.length - at);
}

/** Reads what the control channel holds (poll said it is readable); false at end of stream (the parent is gone). */
function receive(): boolean {
  let n: number;
  try {
    n = readSync(CONTROL, buffer, 0, buffer.length, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return true;
    return false;
  }
  if (n === 0) return false;
  for (const m of decoder.push(Buffer.from(buffer.subarray(0, n)))) inbox.push(m as ToServer);
  return true;
}

function threads(): number {
  return readdirSync('/proc/self/task').length;
}

/** Resource kinds a quiescent server may hold (its stdio); anything else would be shared by every child. */
const ALLOWED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FileHandle', 'CloseReq']);

/** Why this process cannot fork safely after the module and preload ran, or undefined. */
function unsafe(baselineThreads: number): string | undefined {
  const extra = threads() - baselineThreads;
  if (extra > 0)
    return `the pipeline module or its preload started ${extra} thread(s) (a worker thread, a module loader thread such as a TypeScript loader's, or a native addon's), and a forked child would lack them`;
  const open = process.getActiveResourcesInfo().filter((r) => !ALLOWED.has(r));
  if (open.length > 0)
    return `the pipeline module or its preload left ${[...new Set(open)].join(', ')} open (an interval or timer, a socket, a server), which every forked child would share`;
  return undefined;
}

interface Live {
  readonly id: number;
  readonly pid: number;
  readonly pidfd: number;
}

/** The fork loop. Returns only in a child: the request it was forked for. */
function serve(native: ForkAddon): { id: number; messages: readonly ParentMessage[] } {
  const live = new Map<number, Live>();
  const reap = (child: Live): void => {
    const status = native.reap(child.pid);
    if (status === null) return;
    live.delete(child.id);
    if (child.pidfd >= 0) closeSync(child.pidfd);
    send({ t: 'exit', id: child.id, code: status.code, signal: status.signal });
  };
  for (;;) {
    const children = [...live.values()];
    const pidfds = children.map((c) => c.pidfd).filter((fd) => fd >= 0);
    // Without pidfds (kernels before 5.3) children are reaped at least every 20 ms.
    const ready = native.wait([CONTROL, ...pidfds], pidfds.length < children.length ? 20 : -1);
    for (const child of children) reap(child);
    if (ready.includes(0) && !receive()) {
      // The parent is gone (or closed the channel): no child may outlive it.
      for (const child of live.values()) kill(child.pid, SIGKILL);
      native.exit(0);
    }
    for (let m = inbox.shift(); m !== undefined; m = inbox.shift()) {
      if (m.t === 'kill') {
        const child = live.get(m.id);
        // Only a child not yet reaped: its pid cannot have been reused.
        if (child !== undefined) kill(child.pid, m.signal);
      } else if (m.t === 'fork') {
        let pid: number;
        trace?.('server forking');
        try {
          pid = native.fork([CONTROL, ...[...live.values()].map((c) => c.pidfd).filter((fd) => fd >= 0)]);
        } catch (error) {
          send({ t: 'forkFailed', id: m.id, message: (error as Error).message });
          continue;
        }
        if (pid === 0) return { id: m.id, messages: m.messages };
        trace?.('server forked');
        live.set(m.id, { id: m.id, pid, pidfd: native.pidfd(pid) });
        send({ t: 'forked', id: m.id, pid });
      }
    }
  }
}

const SIGKILL = constants.signals.SIGKILL;

function kill(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch {
    // exited in the meantime: its exit is reported when it is reaped
  }
}

/** Blocks until the parent's first message (the init) has arrived. */
function receiveInit(native: ForkAddon): Extract<ToServer, { t: 'init' }> | undefined {
  while (inbox.length === 0) {
    native.wait([CONTROL], -1);
    if (!receive()) return undefined;
  }
  const init = inbox.shift()!;
  return init.t === 'init' ? init : undefined;
}

/**
 * Before the first fork: run the code every child runs (frames out and in, a sample outcome, an error
 * serialised, its socket's set-up), so that it is compiled here once rather than in each child. (A full
 * garbage collection here was tried and dropped: no fewer page faults per child, and with a small heap limit
 * such as --max-old-space-size=32 a child that ran out of memory kept collecting instead of aborting.)
 */
function warmUp(): void {
  const sampleDecoder = new FrameDecoder();
  const error = serializeError(new Error('warm-up'));
  for (let i = 0; i < 200; i++) {
    const frames = [
      encodeFrame({ t: 'hello', id: i }),
      encodeFrame({ t: 'ready', workerId: i, pid: 1, threadId: 0, hooks: { emissions: [], errors: [] } }),
      encodeFrame({
        t: 'results',
        id: i,
        outcomes: [
          { ok: true, emissions: [{ kind: 'emit', item: i }] },
          { ok: false, error },
        ],
        rss: i,
      }),
      encodeFrame({ t: 'cancel' }),
    ];
    sampleDecoder.push(Buffer.concat(frames));
    // A socket object without a descriptor holds no handle: its constructor and listeners compile here.
    const socket = new Socket({ readable: true, writable: false });
    socket.on('data', () => undefined);
    socket.on('end', () => undefined);
    socket.destroy();
  }
}

async function main(): Promise<void> {
  const { addon: native, reason } = loadForkAddon();
  if (native === undefined) {
    send({ t: 'refused', reason: reason ?? 'no fork addon' });
    return;
  }
  native.setBlocking(CONTROL);
  // Ctrl-C reaches the whole process group: the parent decides when the server and its children stop.
  native.ignoreSignal(constants.signals.SIGINT);
  if (!native.dieWithParent()) native.exit(0);
  const init = receiveInit(native);
  if (init === undefined) return native.exit(0);
  // libuv's thread pool starts on first use (the module import uses it): start it now, so that the
  // baseline counts it and only threads the module or preload start are refused.
  await stat(process.execPath);
  const baseline = threads();
  try {
    await WorkerRuntime.prepare(init.target);
  } catch (error) {
    send({ t: 'failed', error: serializeError(error) });
    native.exit(0);
  }
  warmUp();
  // Whatever the import (and the warm-up) scheduled runs now, then the server must be quiescent.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const refusal = unsafe(baseline);
  if (refusal !== undefined) {
    send({ t: 'refused', reason: refusal });
    native.exit(0);
  }
  trace?.(`server warmed up, heap used ${process.memoryUsage().heapUsed}`);
  send({ t: 'ready', pid: process.pid });
  const { id, messages } = serve(native);
  runForkedChild(native, { id, messages, socket: init.socket, serverPid: process.pid });
}

void main();
