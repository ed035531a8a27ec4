/**
 * One frame of the HUD (`minigun run --hud`) as text: header, the stage graph with its edges and strategies,
 * a row per stage (progress bar, counts, rate, p50/p99, queue fill, busy slots), the processes and workers,
 * and the bottleneck. Pure: the screen handling is in hud.ts, so a frame can be tested as a string.
 */
import pc from 'picocolors';
import type { ProgressEvent, StageProgress } from '@minigun/core';
import type { ChildProcessInfo } from './child-processes.js';
import type { RunnablePipeline } from './load-pipeline.js';
import { bar, count, how, ms, padEnd, padStart, percent, rate } from './format.js';
import { eta as etaText } from './progress-lines.js';

export interface FrameOptions {
  readonly columns: number;
  readonly rows: number;
  readonly paused: boolean;
  /** Set once the user asked to stop (q, a signal): shown in the header. */
  readonly stopping: boolean;
  /** This process's child processes (from /proc on Linux); omitted or empty elsewhere. */
  readonly children?: readonly ChildProcessInfo[];
}

type Style = (s: string) => string;
interface Line {
  readonly text: string;
  readonly style?: Style;
}

export function renderFrame(e: ProgressEvent, stages: RunnablePipeline['stages'], o: FrameOptions): string {
  const lines: Line[] = [];
  const state = e.final ? 'finished' : o.stopping ? 'stopping…' : 'running';
  const total = e.total === undefined ? '' : `/${count(e.total)} (${percent(e.total === 0 ? 1 : e.produced / e.total)})`;
  const eta = e.etaMs === undefined || e.final ? '' : `   ${etaText(e.etaMs)}`;
  lines.push({
    text: ` MINIGUN  ${e.pipeline}   ${state} ${ms(e.elapsedMs)}   produced ${count(e.produced)}${total}${eta}`,
    style: (s) => pc.inverse(pc.bold(s)),
  });
  lines.push({ text: '' });
  lines.push({ text: ' Flow', style: pc.bold });
  for (const s of stages) {
    const stats = e.stages[s.name];
    const arrow = s.to.length === 0 ? ' ■' : ` ──▶ ${s.to.join(', ')}`;
    lines.push({
      text: `  ${s.name} [${s.kind === 'producer' ? 'producer, ' : ''}${how(s.strategy, s.concurrency)}]${arrow}`,
      style: s.name === e.bottleneck ? pc.yellow : stats !== undefined && stats.active > 0 ? pc.cyan : undefined,
    });
  }
  lines.push({ text: '' });
  const nameWidth = Math.max(5, ...stages.map((s) => s.name.length)) + 1;
  const barWidth = 16;
  lines.push({
    text: ` ${padEnd('stage', nameWidth)} ${padEnd('progress', barWidth + 6)}${padStart('done', 10)}${padStart('rate', 9)}${padStart('p50', 9)}${padStart('p99', 9)}  ${padEnd('queue', 18)}${padStart('busy', 6)}`,
    style: pc.bold,
  });
  for (const s of Object.values(e.stages))
    lines.push({
      text: ` ${padEnd(s.stage, nameWidth)} ${stageRow(s, barWidth)}`,
      style: s.stage === e.bottleneck ? pc.yellow : s.failed > 0 ? pc.red : undefined,
    });
  lines.push({ text: '' });
  lines.push({ text: ' Processes and workers', style: pc.bold });
  lines.push(...workerLines(e, o.children ?? []));
  lines.push({ text: '' });
  if (e.bottleneck !== undefined) {
    const b = e.stages[e.bottleneck]!;
    lines.push({
      text: ` ▲ Bottleneck: ${b.stage} (${how(b.strategy, b.concurrency)}) busy ${percent(b.utilization)}, p99 ${ms(b.latency.p99)}, queue ${count(b.queue.depth)}/${count(b.queue.capacity)}`,
      style: (s) => pc.bold(pc.yellow(s)),
    });
  } else lines.push({ text: ' Bottleneck: (not known yet)' });
  const failed = Object.values(e.stages).reduce((n, s) => n + s.failed, 0);
  if (failed > 0) lines.push({ text: ` ✖ ${count(failed)} failed inputs so far`, style: pc.red });
  const footer = ` q stop gracefully   p ${o.paused ? 'resume' : 'pause'} rendering   Ctrl-C signal${o.paused ? '   [PAUSED]' : ''}`;
  // Keep the footer on screen: drop middle lines when the terminal is short.
  const room = Math.max(1, o.rows - 2);
  const body = lines.length > room ? lines.slice(0, room) : lines;
  const out = body.map((l) => style(l, o.columns));
  while (out.length < room) out.push('');
  out.push('', style({ text: footer, style: pc.dim }, o.columns));
  return out.join('\n');
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

function style(line: Line, columns: number): string {
  const text = line.text.length > columns ? line.text.slice(0, Math.max(0, columns - 1)) + '…' : line.text;
  return line.style === undefined ? text : line.style(text);
}
