/**
 * The parent's handle on one child of the fork server, shaped like the ChildProcess that spawn gives (the
 * subset ChildWorker uses: send, kill, 'message', 'error', 'close'), so that cow-fork runs both start
 * methods through the same code. Messages sent before the fork (setup, input, shutdown) travel in the fork
 * request and reach the child in its memory; later ones (cancel, credit) go over the child's own socket.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { serializeError, type ParentMessage } from '@minigun/core/toolkit';
import { encodeFrame } from './frames.js';
import { trace } from './trace.js';

/** How long a child that exited may take to appear in the listener's accept queue. */
const ACCEPT_WAIT_MS = 2000;

/** What a forked child needs from its fork server. */
export interface ForkRequester {
  /** Resolves once the server can fork; rejects with why the stage cannot run (module, preload). */
  ready(): Promise<void>;
  fork(child: ForkedChild, messages: readonly ParentMessage[]): void;
  kill(child: ForkedChild, signal: number): void;
}

/** Signal names by number; the first name of a number wins (SIGABRT, not its alias SIGIOT). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name as NodeJS.Signals);

export class ForkedChild extends EventEmitter {
  pid: number | undefined;
  connected = true;
  /** Why it ended when no exit status could be had (its server died before reaping it). */
  exitReason: string | undefined;
  private pending: ParentMessage[] | undefined;
  private forkRequested = false;
  private killedBeforeFork = false;
  private socket: Socket | undefined;
  private outbox: Buffer[] = [];
  private status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private socketOpen = false;
  private finished = false;
  private acceptWait: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    private readonly server: ForkRequester,
  ) {
    super();
  }

  send(message: unknown): boolean {
    if (this.finished) return false;
    const m = message as ParentMessage;
    trace?.(`parent send ${m.t} ${this.id}`);
    if (m.t === 'prepare') {
      // The server imported the module (and ran preload) for every child: nothing to do per child.
      this.server.ready().then(
        () => this.emit('message', { t: 'prepared' }),
        (error: unknown) => this.emit('message', { t: 'fatal', error: serializeError(error) }),
      );
      return true;
    }
    if (!this.forkRequested) {
      // What is sent in one go (setup, input, shutdown) is forked with; the request leaves on the next microtask.
      if (this.pending === undefined) {
        this.pending = [];
        queueMicrotask(() => {
          const messages = this.pending!;
          this.pending = undefined;
          if (this.killedBeforeFork) return;
          this.forkRequested = true;
          trace?.(`parent fork request ${this.id}`);
          this.server.fork(this, messages);
        });
      }
      this.pending.push(m);
      return true;
    }
    const frame = encodeFrame(m);
    if (this.socket === undefined) this.outbox.push(frame);
    else this.socket.write(frame);
    return true;
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.finished) return false;
    const n = typeof signal === 'number' ? signal : constants.signals[signal];
    if (!this.forkRequested) {
      // Not forked (nor asked to be): there is no process to kill, and there will be none.
      this.forkRequested = true;
      this.killedBeforeFork = true;
      setImmediate(() => this.finish(null, typeof signal === 'number' ? (SIGNAL_NAMES.get(signal) ?? null) : signal));
      return true;
    }
    this.server.kill(this, n);
    return true;
  }

  // ---- told by the fork server -------------------------------------------------------------------------

  forked(pid: number): void {
    this.pid = pid;
  }

  forkFailed(message: string): void {
    this.status = { code: null, signal: null };
    this.emit('error', new Error(`fork(2) failed: ${message}`));
    this.finish(null, null);
  }

  /** Its socket connected (its first frame said who it is). */
  attach(socket: Socket): void {
    clearTimeout(this.acceptWait);
    this.socket = socket;
    this.socketOpen = true;
    for (const frame of this.outbox.splice(0)) socket.write(frame);
    socket.once('close', () => {
      this.socketOpen = false;
      this.settle();
    });
  }

  deliver(message: unknown): void {
    trace?.(`parent got ${(message as { t: string }).t} from ${this.id}`);
    this.emit('message', message);
  }

  /** Reaped by the server. */
  exited(code: number | null, signal: number | null): void {
    this.status = { code, signal: signal === null ? null : (SIGNAL_NAMES.get(signal) ?? null) };
    this.settle();
  }

  /** Its server died: no exit status will come; the child ends when its socket does. */
  orphaned(reason: string): void {
    if (this.finished || this.status !== undefined) return;
    this.exitReason = reason;
    this.status = { code: null, signal: null };
    this.settle();
  }

  /**
   * 'close' once the exit is known and every message has arrived (its socket closed). A child connects
   * before anything else, so one that exited without a socket here yet may still sit in the listener's
   * accept queue (the server's report can overtake it): it is given `ACCEPT_WAIT_MS` to show up.
   */
  private settle(): void {
    if (this.status === undefined || this.socketOpen) return;
    if (this.socket === undefined && this.acceptWait === undefined) {
      this.acceptWait = setTimeout(() => this.finish(this.status!.code, this.status!.signal), ACCEPT_WAIT_MS);
      return;
    }
    if (this.socket === undefined) return;
    this.finish(this.status.code, this.status.signal);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.finished) return;
    this.finished = true;
    this.connected = false;
    clearTimeout(this.acceptWait);
    this.socket?.destroy();
    this.emit('close', code, signal);
  }
}
