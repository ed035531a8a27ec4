/**
 * 66 custom stage in workers: `p.stage(name, opts, (input, out, ctx) => …)` reads its whole input stream
 * itself (`for await`), so it can keep memory across items — here a running mean per sensor — and emit
 * whenever it likes: an alert as a spike goes by, a summary once its input ends. With an isolated strategy
 * the function runs in a child process (`ipc-fork`; `thread`, `thread-per-batch` and `cow-fork` work the
 * same): the items flow to it from the parent with backpressure, a few at a time, and what it emits and
 * collects comes back.
 *
 *   readings ─> watch (custom stage, in a child process) ─> alerts / summaries
 *
 * Run: npx tsx examples/66-custom-stage-in-workers.ts   or   npx minigun run examples/66-custom-stage-in-workers.ts
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { done, expect, span } from './lib/check.js';

interface Reading {
  sensor: string;
  value: number;
}

interface Alert {
  kind: 'alert';
  sensor: string;
  value: number;
  mean: number;
}

interface Summary {
  kind: 'summary';
  sensor: string;
  count: number;
  mean: number;
}

const SENSORS = ['a', 'b', 'c'];
/** Readings that jump far above their sensor's usual level. */
export const SPIKES = [40, 95, 151];

/** 180 readings, 60 per sensor, each near 10 (a, b) or 20 (c), but for the spikes. */
export const READINGS: Reading[] = span(0, 179).map((i) => {
  const sensor = SENSORS[i % 3]!;
  const base = sensor === 'c' ? 20 : 10;
  return { sensor, value: SPIKES.includes(i) ? base * 10 : base + (i % 5) - 2 };
});

export const watch = pipeline('custom-stage-in-workers', { module: import.meta.url }, (p) => {
  p.producer('readings', () => READINGS);
  p.stage('watch', { strategy: 'ipc-fork' }, async (input, out, ctx) => {
    // Lives as long as the stream: one reader, in one child process, sees every reading in order.
    const seen = new Map<string, { count: number; sum: number }>();
    for await (const r of input as AsyncIterable<Reading>) {
      const s = seen.get(r.sensor) ?? { count: 0, sum: 0 };
      const mean = s.count === 0 ? r.value : s.sum / s.count;
      if (s.count >= 5 && r.value > 3 * mean) await out.emit({ kind: 'alert', sensor: r.sensor, value: r.value, mean } satisfies Alert);
      else seen.set(r.sensor, { count: s.count + 1, sum: s.sum + r.value }); // a spike does not move the mean
    }
    // The input has ended: emit what was kept.
    for (const [sensor, s] of seen) await out.emit({ kind: 'summary', sensor, count: s.count, mean: s.sum / s.count } satisfies Summary);
    ctx.collect('reader', { pid: process.pid });
  });
  p.consumer('report', (x: Alert | Summary, _out, ctx) => {
    ctx.collect(x.kind === 'alert' ? 'alerts' : 'summaries', x);
  });
});

if (isMain(import.meta)) {
  const result = await watch.run();
  const alerts = (result.collected.alerts ?? []) as Alert[];
  const summaries = ((result.collected.summaries ?? []) as Summary[]).sort((x, y) => x.sensor.localeCompare(y.sensor));
  const readers = (result.collected.reader ?? []) as Array<{ pid: number }>;
  for (const a of alerts) console.log(`66 alert: sensor ${a.sensor} read ${a.value}, mean ${a.mean.toFixed(1)}`);
  for (const s of summaries) console.log(`66 summary: sensor ${s.sensor}, ${s.count} readings, mean ${s.mean.toFixed(2)}`);
  const w = result.stats.stages.watch!;
  expect(result.status === 'completed' && result.errors.length === 0, `the run completed without errors (status ${result.status})`);
  expect(readers.length === 1 && readers[0]!.pid !== process.pid, `the custom stage read its stream in a child process (pid ${readers[0]?.pid})`);
  expect(
    alerts.map((a) => `${a.sensor}=${a.value}`).join() === SPIKES.map((i) => `${READINGS[i]!.sensor}=${READINGS[i]!.value}`).join(),
    'each spike raised one alert, as it went by',
  );
  expect(
    summaries.map((s) => `${s.sensor}:${s.count}`).join() === 'a:60,b:58,c:59',
    'after its input ended it emitted one summary per sensor (spikes left out of the mean)',
  );
  expect(w.in === 180 && w.done === 180 && w.out === 6, `watch read all 180 readings and emitted 3 alerts and 3 summaries (in ${w.in}, out ${w.out})`);
  done('66-custom-stage-in-workers');
}
