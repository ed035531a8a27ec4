/**
 * What the CLI shows while a run goes on, chosen from the flags: nothing, progress lines (redrawn on a
 * terminal, appended otherwise), NDJSON progress events (--json --progress), or the HUD.
 */
import { createLogUpdate } from 'log-update';
import type { ProgressEvent } from '@minigun/core';
import type { RunCommand } from './args.js';
import { Hud, type HudStreams } from './hud.js';
import { toJson } from './json.js';
import type { RunnablePipeline } from './load-pipeline.js';
import { progressBlock, progressLine } from './progress-lines.js';

export interface View {
  /** The `run({ progress })` callback, if this view shows progress. */
  readonly progress?: (e: ProgressEvent) => void;
  /** Called once the run has resolved, before the result is printed. */
  close(): void;
}

export interface ViewStreams extends HudStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createView(cmd: RunCommand, pipeline: RunnablePipeline, streams: ViewStreams, quit: () => void): View {
  if (cmd.display === 'hud') {
    const hud = new Hud(streams, pipeline.stages, quit);
    hud.start();
    return { progress: (e) => hud.update(e), close: () => hud.stop() };
  }
  if (cmd.display === 'none') return { close: () => undefined };
  if (cmd.json) {
    return {
      progress: (e) => streams.stdout.write(`${JSON.stringify({ type: 'progress', ...(toJson(e) as object) })}\n`),
      close: () => undefined,
    };
  }
  if (streams.stderr.isTTY === true) {
    const log = createLogUpdate(streams.stderr);
    return {
      progress: (e) => log(progressBlock(e)),
      close: () => log.done(),
    };
  }
  return { progress: (e) => streams.stderr.write(`${progressLine(e)}\n`), close: () => undefined };
}
