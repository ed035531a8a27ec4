/**
 * The progress display: the text of one progress event, as a block (one line per stage, redrawn in place on
 * a terminal) or as one line (appended, for logs when --progress is forced without a terminal).
 */
import pc from 'picocolors';
import type { ProgressEvent, StageProgress } from '@minigun/core';
import { count, how, ms, padEnd, padStart, percent, rate } from './format.js';

export function progressHeader(e: ProgressEvent): string {
  const parts = [
    pc.bold(e.pipeline),
    ms(e.elapsedMs),
    `produced ${count(e.produced)}${e.total === undefined ? '' : `/${count(e.total)} ${percent(e.total === 0 ? 1 : e.produced / e.total)}`}`,
  ];
  if (e.etaMs !== undefined && !e.final) parts.push(eta(e.etaMs));
  if (e.bottleneck !== undefined) parts.push(`bottleneck ${pc.yellow(e.bottleneck)}`);
  return parts.join('  ');
}

export function progressBlock(e: ProgressEvent): string {
  const width = Math.max(...Object.keys(e.stages).map((n) => n.length), 5);
  const lines = [progressHeader(e)];
  for (const s of Object.values(e.stages)) lines.push(`  ${padEnd(s.stage, width)}  ${stageLine(s, s.stage === e.bottleneck)}`);
  return lines.join('\n');
}

export function progressLine(e: ProgressEvent): string {
  const stages = Object.values(e.stages).map(
    (s) => `${s.stage} ${s.kind === 'producer' ? `out ${count(s.out)}` : `done ${count(s.done)}`}${s.failed > 0 ? ` failed ${count(s.failed)}` : ''}`,
  );
  return `[${ms(e.elapsedMs)}] ${e.pipeline}: ${stages.join(' · ')}${e.etaMs === undefined || e.final ? '' : ` | ${eta(e.etaMs)}`}`;
}

/** Everything produced (eta 0) but the run goes on: downstream is draining. */
export function eta(etaMs: number): string {
  return etaMs === 0 ? 'draining' : `eta ${ms(etaMs)}`;
}

function stageLine(s: StageProgress, bottleneck: boolean): string {
  const kind = padEnd(how(s.strategy, s.concurrency), 12);
  if (s.kind === 'producer') {
    const total = s.total === undefined ? '' : `/${count(s.total)} ${percent(s.total === 0 ? 1 : s.out / s.total)}`;
    return `${kind}${padEnd(`out ${count(s.out)}${total}`, 30)}${padStart(rate(s.rate), 9)}`;
  }
  const counts = `done ${count(s.done)}${s.failed > 0 ? pc.red(` failed ${count(s.failed)}`) : ''}`;
  const latency = s.latency.samples === 0 ? '' : `  p50 ${ms(s.latency.p50)} p99 ${ms(s.latency.p99)}`;
  const line = `${kind}${padEnd(counts, 30)}${padStart(rate(s.rate), 9)}  q ${count(s.queue.depth)}/${count(s.queue.capacity)}  busy ${s.active}/${s.concurrency}${latency}`;
  return bottleneck ? pc.yellow(line) : line;
}
