/**
 * 36 batch and process: batches of 10 handled in fresh child processes, results carried back by the
 * `tempfile` transport (@minigun/ipc-tempfile) — what the Ruby users wrote by hand (a Tempfile, flock,
 * JSON lines, read back in after_run, unlink) is one stage option here.
 *
 * Run: npx tsx examples/36-batch-and-process.ts   or   npx minigun run examples/36-batch-and-process.ts
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import '@minigun/ipc-tempfile/register';
import { distinct, done, expect, span } from './lib/check.js';

export const batchAndProcess = pipeline('batch-and-process', { module: import.meta.url }, (p) => {
  p.producer('gen', () => span(1, 45));
  p.batch(10);
  p.processor('process', { strategy: 'cow-fork', concurrency: 2, transport: 'tempfile' }, async (batch: number[], out, ctx) => {
    ctx.collect('batches', { pid: process.pid, size: batch.length });
    // Many records per input: each goes to the child's tempfile as it is emitted, not through the pipe.
    for (const n of batch) await out.emit({ n, square: n * n, pid: process.pid });
  });
  p.consumer('store', (r: { n: number; square: number; pid: number }, _out, ctx) => {
    ctx.collect('rows', r);
  });
});

if (isMain(import.meta)) {
  const result = await batchAndProcess.run();
  const batches = (result.collected.batches ?? []) as Array<{ pid: number; size: number }>;
  const rows = (result.collected.rows ?? []) as Array<{ n: number; square: number; pid: number }>;
  console.log(
    `36 batch sizes: ${batches.map((b) => b.size).join(', ')}; ${rows.length} rows back from ${distinct(rows.map((r) => r.pid)).length} children via tempfiles`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    batches
      .map((b) => b.size)
      .sort((a, b) => a - b)
      .join() === '5,10,10,10,10',
    '45 items made 4 full batches and a remainder of 5',
  );
  expect(distinct(batches.map((b) => b.pid)).length === 5, 'each batch ran in its own child process');
  expect(
    rows
      .map((r) => r.n)
      .sort((a, b) => a - b)
      .join() === span(1, 45).join() && rows.every((r) => r.square === r.n * r.n),
    'every row came back exactly once',
  );
  done('36-batch-and-process');
}
