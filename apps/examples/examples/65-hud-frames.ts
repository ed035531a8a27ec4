/**
 * 65 the HUD's frames, drawn from a run of your own: `renderFrame` from `@minigun/cli` is what `minigun run
 * --hud` draws at each progress event. A tool that shows Minigun runs its own way (a web page, a log line,
 * a test) can draw the same frames from `run({ progress })` events.
 *
 *   orders ─┬─> tax ──────┬─> ledger
 *           └─> shipping ─┘
 *
 * The run below records its progress events; the example then draws the last one three ways: the whole
 * frame (the flow graph laid out in layers, fan-out and fan-in drawn), the help panel that `h` or `?` opens,
 * and a frame too short for the stage table, scrolled as the arrow keys would.
 *
 * Run: npx tsx examples/65-hud-frames.ts      The live view: npx minigun run examples/65-hud-frames.ts --hud
 */
import { type ProgressEvent, isMain, pipeline } from '@minigun/core';
import { renderFrame } from '@minigun/cli';
import { done, expect, span } from './lib/check.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const hudFrames = pipeline('hud-frames', { module: import.meta.url }, (p) => {
  p.producer('orders', { to: ['tax', 'shipping'] }, () => span(1, 40));
  p.processor('tax', { concurrency: 4, to: 'ledger' }, async (n: number) => {
    await sleep(2);
    return { n, tax: n * 0.2 };
  });
  p.processor('shipping', { concurrency: 2, to: 'ledger' }, async (n: number) => {
    await sleep(3);
    return { n, shipping: 5 };
  });
  p.consumer('ledger', (_entry: object, _out, ctx) => {
    ctx.collect('entries', 1);
  });
});

/** Frames are drawn with terminal colours; the checks read the text. */
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const plain = (frame: string): string => frame.replace(ansi, '');

if (isMain(import.meta)) {
  const events: ProgressEvent[] = [];
  const result = await hudFrames.run({ progress: (e) => events.push(e), progressIntervalMs: 20 });
  const last = events.at(-1)!;
  const frame = plain(renderFrame(last, hudFrames.stages, { columns: 100, rows: 30, paused: false, stopping: false }));
  const help = plain(renderFrame(last, hudFrames.stages, { columns: 100, rows: 30, paused: false, stopping: false, help: true }));
  const short = plain(renderFrame(last, hudFrames.stages, { columns: 100, rows: 14, paused: false, stopping: false, scroll: 2 }));
  console.log(frame);
  const lines = frame.split('\n');
  const flow = lines.slice(lines.findIndex((l) => l.trim() === 'Flow') + 1).slice(0, 2);
  const taxRow = flow.find((l) => l.includes('tax ['));
  const shippingRow = flow.find((l) => l.includes('shipping ['));
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(events.length > 0, `the run reported ${events.length} progress events`);
  expect(
    ['orders', 'tax', 'shipping', 'ledger'].every((s) => frame.includes(s)),
    'the frame names every stage',
  );
  expect(
    taxRow !== undefined && shippingRow !== undefined && taxRow !== shippingRow && taxRow.indexOf('tax [') === shippingRow.indexOf('shipping ['),
    'the flow graph puts tax and shipping in one layer (one column), on rows of their own',
  );
  expect(taxRow?.includes('┬') === true && shippingRow?.includes('┘') === true, 'the fan-out from orders and the fan-in into ledger are drawn');
  expect(help.includes('this help') && help.includes('scroll'), 'the help panel lists the keys');
  expect(short !== frame && short.split('\n').length <= 14, 'a short terminal gets a frame that fits, its stage table scrolled');
  done('65-hud-frames');
}
