/**
 * 64 debatch, rebatch and per-stage statistics.
 *
 *   pages ─> debatch ─> enrich (concurrency 4) ─> rebatch(25) ─> save (a bulk insert of 25 rows)
 *
 * An API hands out pages of uneven size (7 to 40 rows). `p.debatch()` turns each page back into rows, so
 * `enrich` works row by row; `p.rebatch(25)` re-cuts the rows into bulk inserts of exactly 25 across page
 * boundaries (the last one shorter). Rows 13, 26, 39… are invalid: `enrich` throws on them, and the
 * statistics say what that cost: `successRate`, `latency.p95` next to p50/p90/p99, and `timePerItemMs`
 * (the stage's busy time per input, which concurrency divides).
 *
 * Run: npx tsx examples/64-debatch-rebatch-stats.ts   or   npx minigun run examples/64-debatch-rebatch-stats.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

const SIZES = [7, 40, 12, 33, 25, 9, 18];
const ROWS = SIZES.reduce((a, b) => a + b, 0); // 144
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  id: number;
  name: string;
}

export const debatchRebatch = pipeline('debatch-rebatch-stats', { module: import.meta.url }, (p) => {
  p.producer('pages', () => {
    let next = 1;
    return SIZES.map((size) => span(next, (next += size) - 1).map((id): Row => ({ id, name: `row-${id}` })));
  });
  p.debatch();
  p.processor('enrich', { concurrency: 4 }, async (row: Row) => {
    await sleep(1 + (row.id % 5));
    if (row.id % 13 === 0) throw new Error(`row ${row.id} is invalid`);
    return { ...row, name: row.name.toUpperCase() };
  });
  p.rebatch(25);
  p.consumer('save', (rows: Row[], _out, ctx) => {
    ctx.collect(
      'inserts',
      rows.map((r) => r.id),
    );
  });
});

if (isMain(import.meta)) {
  const result = await debatchRebatch.run();
  const inserts = (result.collected.inserts ?? []) as number[][];
  const saved = inserts.flat().sort((a, b) => a - b);
  const invalid = span(1, ROWS).filter((id) => id % 13 === 0);
  const enrich = result.stats.stages.enrich!;
  console.log(`64 ${SIZES.length} pages of ${SIZES.join('/')} rows → ${inserts.length} inserts of ${inserts.map((i) => i.length).join('/')} rows`);
  console.log(
    `64 enrich: in ${enrich.in}, done ${enrich.done}, failed ${enrich.failed}, successRate ${enrich.successRate.toFixed(3)}, ` +
      `latency p50 ${enrich.latency.p50.toFixed(1)} / p90 ${enrich.latency.p90.toFixed(1)} / p95 ${enrich.latency.p95.toFixed(1)} / p99 ${enrich.latency.p99.toFixed(1)} ms, ` +
      `time per item ${enrich.timePerItemMs.toFixed(2)} ms`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(enrich.in === ROWS, `debatch turned ${SIZES.length} pages into ${ROWS} rows for enrich`);
  expect(
    saved.join() ===
      span(1, ROWS)
        .filter((id) => id % 13 !== 0)
        .join(),
    `every valid row was saved once (${saved.length} rows)`,
  );
  const lengths = inserts.map((i) => i.length);
  expect(
    lengths.slice(0, -1).every((n) => n === 25) && lengths.at(-1)! <= 25,
    'rebatch cut the rows into inserts of 25 across page boundaries, the last one shorter',
  );
  expect(enrich.failed === invalid.length, `the ${invalid.length} invalid rows failed at enrich`);
  expect(Math.abs(enrich.successRate - enrich.done / (enrich.done + enrich.failed)) <= 0.0005, 'successRate is done / (done + failed), to 3 decimals');
  expect(
    enrich.latency.p50 <= enrich.latency.p90 && enrich.latency.p90 <= enrich.latency.p95 && enrich.latency.p95 <= enrich.latency.p99,
    'the latency percentiles are ordered: p50 ≤ p90 ≤ p95 ≤ p99',
  );
  expect(enrich.timePerItemMs > 0, 'enrich reports its busy time per item');
  done('64-debatch-rebatch-stats');
}
