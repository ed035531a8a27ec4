/**
 * 53 large dataset: 200,000 records through parse → validate → batch(1000) → aggregate, with live progress.
 * The producer announces its total (`out.total`), so each progress event carries produced/total and an ETA;
 * backpressure keeps at most a queue's worth of records in memory whatever the size of the dataset.
 *
 * Run: npx tsx examples/53-large-dataset.ts   or   npx minigun run examples/53-large-dataset.ts --progress
 */
import { isMain, pipeline, type ProgressEvent } from '@minigun/core';
import { done, expect } from './lib/check.js';

export const COUNT = 200_000;

interface Reading {
  id: number;
  sensor: number;
  value: number;
}

/** A record is invalid when its value is a multiple of 7 (about one in seven). */
const valueOf = (id: number) => (id * 37) % 1000;
const isValid = (r: Reading) => r.value % 7 !== 0;

function* lines(): Generator<string> {
  for (let id = 1; id <= COUNT; id++) yield `${id};${id % 16};${valueOf(id)}`;
}

export const largeDataset = pipeline('large-dataset', { module: import.meta.url }, (p) => {
  // A generator: the runner pulls it in a loop that lets timers run (progress events) between items.
  p.producer('generate', (out) => {
    out.total(COUNT);
    return lines();
  });
  p.processor('parse', (line: string): Reading => {
    const [id, sensor, value] = line.split(';').map(Number) as [number, number, number];
    return { id, sensor, value };
  });
  // Returning nothing drops the record; the stage counts it as filtered.
  p.processor('validate', (r: Reading) => (isValid(r) ? r : undefined));
  p.batch(1000);
  p.consumer('aggregate', (batch: Reading[], _out, ctx) => {
    ctx.collect('partials', { count: batch.length, sum: batch.reduce((a, r) => a + r.value, 0) });
  });
});

if (isMain(import.meta)) {
  const events: ProgressEvent[] = [];
  const result = await largeDataset.run({ progressIntervalMs: 25, progress: (e) => events.push(e) });
  const partials = (result.collected.partials ?? []) as Array<{ count: number; sum: number }>;
  const live = events.filter((e) => !e.final);
  // A few of the live events, spread over the run, and the final one.
  const shown = live.filter((_e, i) => i % Math.max(1, Math.ceil(live.length / 4)) === 0);
  for (const e of [...shown, ...events.slice(-1)]) {
    const pct = e.total === undefined ? '?' : ((100 * e.produced) / e.total).toFixed(0);
    console.log(
      `53 progress #${e.seq}${e.final ? ' (final)' : ''}: ${e.produced}/${e.total ?? '?'} (${pct}%) eta ${e.etaMs === undefined ? '?' : `${Math.round(e.etaMs)} ms`}, validate ${e.stages.validate?.done} done`,
    );
  }

  // The expected figures, computed directly.
  let validCount = 0;
  let validSum = 0;
  for (let id = 1; id <= COUNT; id++) {
    if (valueOf(id) % 7 !== 0) {
      validCount++;
      validSum += valueOf(id);
    }
  }
  const count = partials.reduce((a, b) => a + b.count, 0);
  const sum = partials.reduce((a, b) => a + b.sum, 0);
  const s = result.stats.stages;
  console.log(
    `53 ${COUNT} records in ${Math.round(result.durationMs)} ms: ${count} valid (sum ${sum}), ${s.validate?.filtered} dropped, ${partials.length} batches`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(s.parse?.done === COUNT && s.validate?.done === COUNT, `parse and validate handled all ${COUNT} records`);
  expect(count === validCount && sum === validSum, `the aggregate saw each valid record once (${validCount}, sum ${validSum})`);
  expect(s.validate?.filtered === COUNT - validCount, `validate counted the ${COUNT - validCount} invalid records as filtered`);
  expect(partials.length === Math.ceil(validCount / 1000), 'the records were aggregated in batches of 1000');
  expect(live.length >= 1 && events.at(-1)?.final === true, `progress events arrived while it ran (${live.length}), then a final one`);
  expect(
    events.every((e, i) => i === 0 || e.produced >= events[i - 1]!.produced) && events.at(-1)?.produced === COUNT && events.at(-1)?.total === COUNT,
    'produced only grew, up to the announced total',
  );
  done('53-large-dataset');
}
