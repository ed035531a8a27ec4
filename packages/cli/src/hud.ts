/**
 * The HUD's screen: the terminal's alternate screen, redrawn in place at every progress event, with keys
 * read in raw mode: q asks for a graceful stop, p pauses rendering, Ctrl-C (which raw mode delivers as a
 * key, not a signal) is turned back into SIGINT so the runner's first/second-signal logic applies.
 */
import type { ProgressEvent } from '@minigun/core';
import type { RunnablePipeline } from './load-pipeline.js';
import { childProcesses } from './child-processes.js';
import { renderFrame } from './hud-frame.js';

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

  private key(keys: string): void {
    for (const k of keys) {
      if (k === 'q' || k === 'Q') {
        if (!this.stopping) this.quit();
        this.stopping = true;
      } else if (k === 'p' || k === 'P') this.paused = !this.paused;
      else if (k === '\x03') process.kill(process.pid, 'SIGINT');
    }
    this.draw();
  }

  private draw(): void {
    if (this.last === undefined) return;
    const { columns = 100, rows = 30 } = this.streams.output;
    const frame = renderFrame(this.last, this.stages, { columns, rows, paused: this.paused, stopping: this.stopping, children: childProcesses() });
    // Home, each line cleared to its end, then the rest of the screen: no flicker from a full clear.
    this.streams.output.write(`\x1b[H${frame.split('\n').join('\x1b[K\n')}\x1b[K\x1b[J`);
  }
}
