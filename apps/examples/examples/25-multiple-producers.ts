/**
 * 25 multiple producers: three sources feed one processing chain; each announces its total (`out.total`)
 * for progress. The run ends when every producer has finished and the work has drained.
 *
 * Run: npx tsx examples/25-multiple-producers.ts   or   npx minigun run examples/25-multiple-producers.ts --progress
 */
import { isMain, pipeline, type ProgressEvent } from '@minigun/core';
import { done, expect } from './lib/check.js';

interface Event {
  source: string;
  seq: number;
}

const from = (source: string, count: number, delayMs: number) => async (out: { total(n: number): void; emit(e: Event): Promise<void> }) => {
  out.total(count);
  for (let seq = 1; seq <= count; seq++) {
    await new Promise((r) => setTimeout(r, delayMs));
    await out.emit({ source, seq });
  }
};

export const multipleProducers = pipeline('multiple-producers', { module: import.meta.url }, (p) => {
  p.producer('api', { to: 'tag' }, from('api', 8, 3));
  p.producer('queue', { to: 'tag' }, from('queue', 5, 5));
  p.producer('files', { to: 'tag' }, from('files', 3, 7));
  p.processor('tag', { concurrency: 4 }, async (e: Event) => ({ ...e, tag: `${e.source}#${e.seq}` }));
  p.consumer('sink', (e: Event & { tag: string }, _out, ctx) => {
    ctx.collect('tags', e.tag);
  });
});

if (isMain(import.meta)) {
  let last: ProgressEvent | undefined;
  const result = await multipleProducers.run({ progressIntervalMs: 50, progress: (e) => (last = e) });
  const tags = (result.collected.tags ?? []) as string[];
  const per = (s: string) => tags.filter((t) => t.startsWith(`${s}#`)).length;
  console.log(`25 multiple producers: api ${per('api')}, queue ${per('queue')}, files ${per('files')}; progress saw ${last?.produced}/${last?.total}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(per('api') === 8 && per('queue') === 5 && per('files') === 3, 'every producer delivered all its items');
  expect(new Set(tags).size === 16, 'no item was lost or duplicated');
  expect(last?.final === true && last.total === 16 && last.produced === 16, 'progress summed the announced totals (16) and saw them all produced');
  done('25-multiple-producers');
}
