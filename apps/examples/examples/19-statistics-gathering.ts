/**
 * 19 statistics gathering: which child processes ran what, how long each stage lived, how many forks.
 * `timingStats` from @minigun/hooks records it; the children's PIDs come back through ctx.collect.
 *
 * Run: npx tsx examples/19-statistics-gathering.ts   or   npx minigun run examples/19-statistics-gathering.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { timingStats } from '@minigun/hooks';
import '@minigun/strategy-fork/register';
import { distinct, done, expect, span } from './lib/check.js';

export const timing = timingStats({ stages: ['process'] });

export const statistics = pipeline('statistics', { module: import.meta.url }, (p) => {
  p.use(timing.bundle);
  p.producer('gen', () => span(1, 12));
  p.batch(3);
  p.consumer('process', { strategy: 'cow-fork', concurrency: 2 }, (batch: number[], _out, ctx) => {
    ctx.collect('items', { pid: process.pid, count: batch.length });
  });
});

if (isMain(import.meta)) {
  const result = await statistics.run();
  const report = timing.report();
  const items = (result.collected.items ?? []) as Array<{ pid: number; count: number }>;
  const byPid = new Map<number, number>();
  for (const i of items) byPid.set(i.pid, (byPid.get(i.pid) ?? 0) + i.count);
  console.log(`19 run ${report.durationMs?.toFixed(0)} ms, process stage ${report.stages.process?.durationMs?.toFixed(0)} ms, ${report.forks} forks`);
  console.table([...byPid].map(([pid, count]) => ({ pid, items: count })));
  const s = result.stats.stages.process!;
  console.log(`   process: in ${s.in}, done ${s.done}, p50 ${s.latency.p50.toFixed(1)} ms, ${s.throughput.toFixed(1)} batches/s`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(report.forks === 4, `one fork per batch: ${report.forks} forks for 4 batches`);
  expect(report.pids.length === 4 && !report.pids.includes(process.pid), `4 distinct child PIDs recorded by afterFork: ${report.pids.join(',')}`);
  expect(distinct(items.map((i) => i.pid)).join() === distinct(report.pids).join(), 'the PIDs that processed items are the ones afterFork recorded');
  expect(items.reduce((a, i) => a + i.count, 0) === 12, 'all 12 items were processed');
  expect((report.stages.process?.durationMs ?? -1) >= 0, 'the process stage lifetime was measured');
  done('19-statistics-gathering');
}
