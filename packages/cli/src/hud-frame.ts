/**
 * One frame of the HUD (`minigun run --hud`) as text: header, the flow graph (laid out by flow-layout.ts),
 * a row per stage (progress bar, counts, rate, p50/p99, queue fill, busy slots; scrolled when taller than
 * its room), the processes and workers, the bottleneck, and the help panel over it all when asked for.
 * Pure: the screen and the keys are in hud.ts, so a frame can be tested as a string.
 */
import pc from 'picocolors';
import type { ProgressEvent, StageProgress } from '@minigun/core';
import type { ChildProcessInfo } from './child-processes.js';
import type { RunnablePipeline } from './load-pipeline.js';
import { bar, count, how, ms, padEnd, padStart, percent, rate } from './format.js';
import { eta as etaText } from './progress-lines.js';
import { layoutFlow } from './flow-layout.js';
import { helpBox } from './hud-help.js';

export interface FrameOptions {
  readonly columns: number;
  readonly rows: number;
  readonly paused: boolean;
  /** Set once the user asked to stop (q, a signal): shown in the header. */
  readonly stopping: boolean;
  /** This process's child processes (from /proc on Linux); omitted or empty elsewhere. */
  readonly children?: readonly ChildProcessInfo[];
  /** Draws the help panel (the keys, what the HUD shows) over the frame. */
  readonly help?: boolean;
  /** The first stage row shown when the stage table is taller than its room (0-based; clamped). */
  readonly scroll?: number;
}

/** Which stage rows a frame shows. */
export interface TableWindow {
  /** Index of the first row shown (the scroll position, clamped). */
  readonly first: number;
  readonly shown: number;
  readonly total: number;
}

export interface Frame {
  readonly text: string;
  readonly table: TableWindow;
}

type Style = (s: string) => string;
interface Part {
  readonly text: string;
  readonly style?: Style;
}
interface Line extends Part {
  /** Styled pieces, when the line is not one style (their texts make up `text`). */
  readonly parts?: readonly Part[];
}

const BLANK: Line = { text: '' };
/** Stage rows kept on screen however tall the rest is (when there are that many stages). */
const MIN_TABLE_ROWS = 3;

export function renderFrame(e: ProgressEvent, stages: RunnablePipeline['stages'], o: FrameOptions): string {
  return composeFrame(e, stages, o).text;
}

/** The frame and the stage rows it shows (the HUD clamps its scroll position with them). */
export function composeFrame(e: ProgressEvent, stages: RunnablePipeline['stages'], o: FrameOptions): Frame {
  const state = e.final ? 'finished' : o.stopping ? 'stopping…' : 'running';
  const total = e.total === undefined ? '' : `/${count(e.total)} (${percent(e.total === 0 ? 1 : e.produced / e.total)})`;
  const eta = e.etaMs === undefined || e.final ? '' : `   ${etaText(e.etaMs)}`;
  const head: Line[] = [
    { text: ` MINIGUN  ${e.pipeline}   ${state} ${ms(e.elapsedMs)}   produced ${count(e.produced)}${total}${eta}`, style: (s) => pc.inverse(pc.bold(s)) },
    BLANK,
  ];
  const flow = [...flowLines(e, stages, o.columns), BLANK];

  const nameWidth = Math.max(5, ...stages.map((s) => s.name.length)) + 1;
  const barWidth = 16;
  const tableHeader: Line = {
    text: ` ${padEnd('stage', nameWidth)} ${padEnd('progress', barWidth + 6)}${padStart('done', 10)}${padStart('rate', 9)}${padStart('p50', 9)}${padStart('p99', 9)}  ${padEnd('queue', 18)}${padStart('busy', 6)}`,
    style: pc.bold,
  };
  const rows: Line[] = Object.values(e.stages).map((s) => ({
    text: ` ${padEnd(s.stage, nameWidth)} ${stageRow(s, barWidth)}`,
    style: s.stage === e.bottleneck ? pc.yellow : s.failed > 0 ? pc.red : undefined,
  }));

  const processes: Line[] = [{ text: ' Processes and workers', style: pc.bold }, ...workerLines(e, o.children ?? []), BLANK];
  const tail: Line[] = [];
  if (e.bottleneck !== undefined) {
    const b = e.stages[e.bottleneck]!;
    tail.push({
      text: ` ▲ Bottleneck: ${b.stage} (${how(b.strategy, b.concurrency)}) busy ${percent(b.utilization)}, p99 ${ms(b.latency.p99)}, queue ${count(b.queue.depth)}/${count(b.queue.capacity)}`,
      style: (s) => pc.bold(pc.yellow(s)),
    });
  } else tail.push({ text: ' Bottleneck: (not known yet)' });
  const failed = Object.values(e.stages).reduce((n, s) => n + s.failed, 0);
  if (failed > 0) tail.push({ text: ` ✖ ${count(failed)} failed inputs so far`, style: pc.red });

  // The footer stays on the last line. Above it, when everything does not fit, the stage table scrolls,
  // with a line saying which rows are shown; it keeps at least half of the room left (and a few rows
  // however short the terminal), and the flow and process sections, cut short with a line saying so when
  // they must be, share the rest.
  const room = Math.max(1, o.rows - 2);
  const fixed = head.length + 1 + 1 + tail.length;
  let flowRoom = flow.length;
  let processRoom = processes.length;
  let tableRoom = rows.length;
  if (fixed + flowRoom + processRoom + tableRoom > room) {
    const free = room - fixed - 1;
    const spare = Math.max(0, free - Math.min(rows.length, Math.max(MIN_TABLE_ROWS, Math.ceil(free / 2))));
    processRoom = Math.min(processes.length, Math.floor(spare / 2));
    flowRoom = Math.min(flow.length, spare - processRoom);
    processRoom = Math.min(processes.length, spare - flowRoom);
    tableRoom = Math.max(1, free - flowRoom - processRoom);
  }
  const shown = Math.min(rows.length, tableRoom);
  const first = Math.max(0, Math.min(o.scroll ?? 0, rows.length - shown));
  const scrolls = shown < rows.length;
  const window: Line[] = rows.slice(first, first + shown);
  if (scrolls) {
    const arrows = `${first > 0 ? '↑' : ''}${first + shown < rows.length ? '↓' : ''}`;
    window.push({ text: ` stages ${first + 1}–${first + shown} of ${rows.length} ${arrows}`, style: pc.dim });
  }
  const body = [...head, ...cut(flow, flowRoom), tableHeader, ...window, BLANK, ...cut(processes, processRoom), ...tail].slice(0, room);
  while (body.length < room) body.push(BLANK);
  const screen = o.help === true ? overlay(body, helpBox(), o.columns) : body;

  const footer = ` q stop gracefully   p ${o.paused ? 'resume' : 'pause'} rendering   Ctrl-C signal   h help${scrolls ? '   ↑↓ scroll' : ''}${o.paused ? '   [PAUSED]' : ''}`;
  const text = [...screen, BLANK, { text: footer, style: pc.dim }].map((l) => style(l, o.columns)).join('\n');
  return { text, table: { first, shown, total: rows.length } };
}

/** The flow section: its title and the laid-out graph (see flow-layout.ts), stage labels coloured. */
function flowLines(e: ProgressEvent, stages: RunnablePipeline['stages'], columns: number): Line[] {
  const layout = layoutFlow(
    stages.map((s) => ({ name: s.name, to: s.to, label: `${s.name} [${s.kind === 'producer' ? 'producer, ' : ''}${how(s.strategy, s.concurrency)}]` })),
    columns,
  );
  const why =
    layout.kind === 'names'
      ? ' (names only: strategies need a wider terminal)'
      : layout.kind === 'list' && layout.tooWide
        ? ' (as a list: the graph needs a wider terminal)'
        : '';
  const stageStyle = (name: string): Style | undefined => {
    const stats = e.stages[name];
    return name === e.bottleneck ? pc.yellow : stats !== undefined && stats.active > 0 ? pc.cyan : undefined;
  };
  return [
    { text: ` Flow${why}`, style: pc.bold },
    ...layout.lines.map((segments) => {
      const parts = segments.map((p) => ({ text: p.text, style: p.stage === undefined ? undefined : stageStyle(p.stage) }));
      return { text: parts.map((p) => p.text).join(''), parts };
    }),
  ];
}

/** A section (title, lines, then a blank line) in at most `room` lines: the lines that fit and how many do not. */
function cut(section: readonly Line[], room: number): Line[] {
  if (room >= section.length) return [...section];
  if (room < 2) return [];
  return [...section.slice(0, room - 1), { text: `  … ${section.length - room} more (a taller terminal shows them)`, style: pc.dim }];
}

/** Draws `box` over the middle of `lines`; what it covers is hidden, what is left of it is dimmed. */
function overlay(lines: readonly Line[], box: readonly string[], columns: number): Line[] {
  const width = Math.max(...box.map((l) => l.length));
  const left = Math.max(0, Math.floor((columns - width) / 2));
  const top = Math.max(0, Math.min(2, lines.length - box.length));
  return lines.map((line, i) => {
    const boxLine = box[i - top];
    if (boxLine === undefined) return line;
    const before = padEnd(line.text.slice(0, left), left);
    return {
      text: before + boxLine,
      parts: [
        { text: before, style: pc.dim },
        { text: boxLine, style: pc.bold },
      ],
    };
  });
}

function stageRow(s: StageProgress, width: number): string {
  const fraction =
    s.kind === 'producer'
      ? s.total === undefined
        ? s.active > 0
          ? 0
          : 1
        : s.total === 0
          ? 1
          : s.out / s.total
      : s.in === 0
        ? 0
        : (s.done + s.failed + s.cancelled) / s.in;
  const done = s.kind === 'producer' ? count(s.out) : count(s.done);
  const latency = s.kind === 'producer' || s.latency.samples === 0 ? padStart('', 18) : `${padStart(ms(s.latency.p50), 9)}${padStart(ms(s.latency.p99), 9)}`;
  const queueFill = s.queue.capacity === 0 ? 0 : s.queue.depth / s.queue.capacity;
  const queue = s.kind === 'producer' ? padEnd('', 18) : padEnd(`${bar(queueFill, 6)} ${count(s.queue.depth)}/${count(s.queue.capacity)}`, 18);
  return `${bar(fraction, width)} ${padStart(percent(fraction), 4)} ${padStart(done, 10)}${padStart(rate(s.rate), 9)}${latency}  ${queue}${padStart(`${s.active}/${s.concurrency}`, 6)}`;
}

function workerLines(e: ProgressEvent, children: readonly ChildProcessInfo[]): Line[] {
  const stages = Object.values(e.stages);
  const here = stages.filter((s) => s.workers === undefined && (s.strategy === 'inline' || s.kind === 'accumulator')).map((s) => s.stage);
  const lines: Line[] = [{ text: `  pid ${e.pid}  parent${here.length === 0 ? '' : `: ${here.join(', ')}`}` }];
  for (const s of stages) {
    if (s.workers !== undefined) {
      const list = s.workers.map(
        (w) => `#${w.id} ${w.pid !== undefined ? `pid ${w.pid}` : w.threadId !== undefined ? `thread ${w.threadId}` : ''} ${w.busy ? 'busy' : 'idle'}`,
      );
      lines.push({ text: `  ${s.stage} [${s.strategy}]: ${list.length === 0 ? 'no live workers' : list.join(' · ')}` });
    } else if (s.strategy !== 'inline' && s.kind !== 'accumulator') {
      lines.push({ text: `  ${s.stage} [${s.strategy}]: ${s.active}/${s.concurrency} busy (the strategy does not list its workers)` });
    }
  }
  if (children.length > 0) {
    const MAX = 8;
    const list = children.slice(0, MAX).map((c) => `${c.pid} ${c.command}`);
    lines.push({ text: `  child processes (${children.length}): ${list.join(' · ')}${children.length > MAX ? ' · …' : ''}` });
  }
  return lines;
}

/** The line cut to the terminal's width (ending in … when cut), then styled. */
function style(line: Line, columns: number): string {
  const fits = line.text.length <= columns;
  const width = fits ? line.text.length : Math.max(0, columns - 1);
  const paint = (p: Part, text: string): string => (p.style === undefined || text === '' ? text : p.style(text));
  if (line.parts === undefined) return paint(line, fits ? line.text : `${line.text.slice(0, width)}…`);
  let at = 0;
  let out = '';
  for (const part of line.parts) {
    out += paint(part, part.text.slice(0, Math.max(0, width - at)));
    at += part.text.length;
  }
  return fits ? out : `${out}…`;
}
