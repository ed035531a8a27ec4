/**
 * The final report (what the Ruby runner prints at the end): status, runtime, overall throughput, a table of
 * the stages, the bottleneck and a summary of failures grouped by stage and message.
 */
import pc from 'picocolors';
import type { RunResult, StageStats } from '@minigun/core';
import { count, how, ms, padEnd, padStart, percent, rate } from './format.js';

const MAX_FAILURE_GROUPS = 10;

export function formatReport(result: RunResult): string {
  const stages = Object.values(result.stats.stages);
  const seconds = result.durationMs / 1000;
  const produced = stages.filter((s) => s.kind === 'producer').reduce((n, s) => n + s.out, 0);
  const status = result.status === 'completed' ? pc.green(result.status) : result.status === 'failed' ? pc.red(result.status) : pc.yellow(result.status);
  const lines = [
    `${pc.bold(`Pipeline ${result.pipeline}`)}: ${status} in ${ms(result.durationMs)}, ${count(produced)} items produced (${rate(seconds > 0 ? produced / seconds : 0)})`,
  ];
  if (result.error !== undefined) lines.push(pc.red(`  stopped by: ${result.error.message}`));
  lines.push('', table(stages, result.stats.bottleneck), '');
  if (result.stats.bottleneck !== undefined) {
    const b = result.stats.stages[result.stats.bottleneck]!;
    lines.push(
      `Bottleneck: ${pc.yellow(b.stage)} (${how(b.strategy, b.concurrency)}, busy ${percent(b.utilization)} of its active time, p50 ${ms(b.latency.p50)})`,
    );
  }
  lines.push(...failures(result));
  return lines.join('\n');
}

const COLUMNS: ReadonlyArray<readonly [string, number, (s: StageStats) => string]> = [
  ['strategy', 14, (s) => how(s.strategy, s.concurrency)],
  ['in', 9, (s) => count(s.in)],
  ['done', 9, (s) => count(s.done)],
  ['failed', 7, (s) => count(s.failed)],
  ['cancel', 7, (s) => count(s.cancelled)],
  ['retried', 8, (s) => count(s.retried)],
  ['out', 9, (s) => count(s.out)],
  ['rate', 9, (s) => rate(s.throughput)],
  ['p50', 8, (s) => latency(s, s.latency.p50)],
  ['p90', 8, (s) => latency(s, s.latency.p90)],
  ['p99', 8, (s) => latency(s, s.latency.p99)],
  ['max q', 7, (s) => count(s.queue.max)],
  ['busy', 6, (s) => percent(s.utilization)],
];

/** Producers are one long input: their latency says nothing. */
function latency(s: StageStats, value: number): string {
  return s.kind === 'producer' || s.latency.samples === 0 ? '-' : ms(value);
}

function table(stages: readonly StageStats[], bottleneck: string | undefined): string {
  const nameWidth = Math.max(5, ...stages.map((s) => s.stage.length)) + 2;
  const header = padEnd('stage', nameWidth) + COLUMNS.map(([h, w], i) => (i === 0 ? padEnd(h, w) : padStart(h, w))).join('');
  const rows = stages.map((s) => {
    const row = padEnd(s.stage, nameWidth) + COLUMNS.map(([, w, f], i) => (i === 0 ? padEnd(f(s), w) : padStart(f(s), w))).join('');
    return s.stage === bottleneck ? pc.yellow(row) : row;
  });
  return [pc.bold(header), pc.dim('─'.repeat(header.length)), ...rows].join('\n');
}

function failures(result: RunResult): string[] {
  if (result.errors.length === 0) return ['No failures.'];
  const groups = new Map<string, { where: string; message: string; n: number }>();
  for (const e of result.errors) {
    const where = e.kind === 'item' ? `stage ${e.stage}` : e.kind === 'hook' ? `hook ${e.hook}${e.stage === undefined ? '' : ` of ${e.stage}`}` : 'run';
    const key = `${where}\u0000${e.message}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { where, message: e.message, n: 1 });
    else g.n++;
  }
  const lines = [pc.red(`Failures: ${count(result.errors.length)}`)];
  const sorted = [...groups.values()].sort((a, b) => b.n - a.n);
  for (const g of sorted.slice(0, MAX_FAILURE_GROUPS)) lines.push(`  ${padStart(`${count(g.n)}×`, 7)} ${g.where}: ${firstLine(g.message)}`);
  if (sorted.length > MAX_FAILURE_GROUPS) lines.push(`  … and ${sorted.length - MAX_FAILURE_GROUPS} more kinds (see --json for all of them)`);
  return lines;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!;
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
