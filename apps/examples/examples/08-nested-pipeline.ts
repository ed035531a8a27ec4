/**
 * 08 nested pipelines: a pipeline used as one stage of another. `clean` is defined inline with
 * `p.pipeline(name, define)`; `normalise` is an existing pipeline embedded by value. Nested stages are
 * named `sub/step` in stats, errors and `out.to()`.
 *
 *   words ─> clean/trim ─> clean/drop-empty ─> normalise/lower ─> normalise/dedupe ─> count
 *
 * Run: npx tsx examples/08-nested-pipeline.ts   or   npx minigun run examples/08-nested-pipeline.ts --pipeline nested
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect } from './lib/check.js';

/** A reusable pipeline of its own (it can also run alone: it has no producer, so it only gets items when nested). */
export const normalise = pipeline('normalise', { module: import.meta.url }, (p) => {
  p.processor('lower', (w: string) => w.toLowerCase());
  const seen = new Set<string>();
  p.processor('dedupe', (w: string) => {
    if (seen.has(w)) return undefined; // returning undefined emits nothing: a filter
    seen.add(w);
    return w;
  });
});

const WORDS = ['  Apple', 'banana ', '', 'APPLE', ' cherry', '   ', 'Banana'];

export const nested = pipeline('nested', { module: import.meta.url }, (p) => {
  p.producer('words', () => WORDS);
  p.pipeline('clean', (q) => {
    q.processor('trim', (w: string) => w.trim());
    q.processor('drop-empty', (w: string) => (w.length > 0 ? w : undefined));
  });
  p.pipeline('normalise', normalise);
  p.consumer('count', (w: string, _out, ctx) => {
    ctx.collect('words', w);
  });
});

if (isMain(import.meta)) {
  const result = await nested.run();
  const words = (result.collected.words ?? []) as string[];
  console.log(`08 nested: ${JSON.stringify(WORDS)} -> ${JSON.stringify(words)}`);
  console.log(`   stages: ${Object.keys(result.stats.stages).join(', ')}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect([...words].sort().join() === 'apple,banana,cherry', 'trimmed, non-empty, lower-cased, distinct words came out');
  expect(
    ['clean/trim', 'clean/drop-empty', 'normalise/lower', 'normalise/dedupe'].every((s) => s in result.stats.stages),
    'nested stages are named sub/step in stats',
  );
  expect(
    result.stats.stages['clean/drop-empty']?.filtered === 2,
    `clean/drop-empty filtered the 2 blank words (filtered = ${result.stats.stages['clean/drop-empty']?.filtered})`,
  );
  done('08-nested-pipeline');
}
