/**
 * The HUD's screen: the terminal's alternate screen, redrawn in place at every progress event, with keys
 * read in raw mode: q asks for a graceful stop, p pauses rendering, h or ? toggles the help panel, the
 * arrows (j/k, PgUp/PgDn, Home/End) scroll the stage table, and Ctrl-C (which raw mode delivers as a key,
 * not a signal) is turned back into SIGINT so the runner's first/second-signal logic applies.
 */
import type { ProgressEvent } from '@minigun/core';
import type { RunnablePipeline } from './load-pipeline.js';
import { childProcesses } from './child-processes.js';
import { composeFrame, type TableWindow } from './hud-frame.js';
import { parseKeys } from './hud-keys.js';

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export interface HudStreams {
  readonly output: NodeJS.WritableStream & {
    columns?: number;
    rows?: number;
    on(event: 'resize', fn: () => void): unknown;
    off(event: 'resize', fn: () => void): unknown;
  };
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
}

export class Hud {
  private paused = false;
  private stopping = false;
  private help = false;
  /** The first stage row shown; may be past the end (End) until the next frame clamps it. */
  private scroll = 0;
  /** The stage rows the last frame showed: a page is that many rows. */
  private table?: TableWindow;
  private last?: ProgressEvent;
  private readonly onKey = (data: Buffer | string): void => this.key(data.toString());
  private readonly onResize = (): void => this.draw();
  private readonly onSignal = (): void => {
    this.stopping = true;
  };

  constructor(
    private readonly streams: HudStreams,
    private readonly stages: RunnablePipeline['stages'],
    /** Called on q: a graceful stop. */
    private readonly quit: () => void,
  ) {}

  start(): void {
    this.streams.output.write(ENTER);
    const input = this.streams.input;
    if (input.isTTY === true) input.setRawMode?.(true);
    input.on('data', this.onKey);
    input.resume();
    this.streams.output.on('resize', this.onResize);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  update(e: ProgressEvent): void {
    this.last = e;
    if (!this.paused || e.final) this.draw();
  }

  stop(): void {
    const input = this.streams.input;
    input.off('data', this.onKey);
    if (input.isTTY === true) input.setRawMode?.(false);
    input.pause();
    this.streams.output.off('resize', this.onResize);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.streams.output.write(LEAVE);
  }

  private key(data: string): void {
    for (const k of parseKeys(data)) this.press(k);
    this.draw();
  }

  private press(key: string): void {
    // q and Ctrl-C act whatever is on screen (closing the help too): stopping must never take two keys.
    if (key === '\x03') {
      this.help = false;
      process.kill(process.pid, 'SIGINT');
      return;
    }
    if (key === 'q' || key === 'Q') {
      this.help = false;
      if (!this.stopping) this.quit();
      this.stopping = true;
      return;
    }
    // With the help open any other key only closes it.
    if (this.help) {
      this.help = false;
      return;
    }
    const page = Math.max(1, this.table?.shown ?? 1);
    // From a scroll position past the end (after End), move from the last position actually shown.
    const from = Math.min(this.scroll, this.table?.first ?? this.scroll);
    switch (key) {
      case 'h':
      case 'H':
      case '?':
        this.help = true;
        break;
      case 'p':
      case 'P':
        this.paused = !this.paused;
        break;
      case 'ArrowUp':
      case 'k':
        this.scroll = Math.max(0, from - 1);
        break;
      case 'ArrowDown':
      case 'j':
        this.scroll = from + 1;
        break;
      case 'PageUp':
        this.scroll = Math.max(0, from - page);
        break;
      case 'PageDown':
        this.scroll = from + page;
        break;
      case 'Home':
        this.scroll = 0;
        break;
      case 'End':
        this.scroll = Number.MAX_SAFE_INTEGER;
        break;
      default:
        // Keys without a meaning in the HUD are ignored.
        break;
    }
  }

  private draw(): void {
    if (this.last === undefined) return;
    const { columns = 100, rows = 30 } = this.streams.output;
    const frame = composeFrame(this.last, this.stages, {
      columns,
      rows,
      paused: this.paused,
      stopping: this.stopping,
      children: childProcesses(),
      help: this.help,
      scroll: this.scroll,
    });
    this.table = frame.table;
    // Home, each line cleared to its end, then the rest of the screen: no flicker from a full clear.
    this.streams.output.write(`\x1b[H${frame.text.split('\n').join('\x1b[K\n')}\x1b[K\x1b[J`);
  }
}
