/**
 * 02 diamond pattern: one source splits into two branches (fan-out) that join again (fan-in).
 *
 *   source ─┬─> double ─┬─> merge
 *           └─> square ─┘
 *
 * Run: npx tsx examples/02-diamond-pattern.ts   or   npx minigun run examples/02-diamond-pattern.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

interface Branch {
  path: 'double' | 'square';
  n: number;
  value: number;
}

export const diamond = pipeline('diamond', { module: import.meta.url }, (p) => {
  // `to` with two targets broadcasts: every item goes to both branches.
  p.producer('source', { to: ['double', 'square'] }, () => span(1, 10));
  p.processor('double', { to: 'merge' }, (n: number): Branch => ({ path: 'double', n, value: n * 2 }));
  p.processor('square', { to: 'merge' }, (n: number): Branch => ({ path: 'square', n, value: n * n }));
  // Two stages send to `merge`: a fan-in. It receives 2 × 10 items.
  p.consumer('merge', (b: Branch, _out, ctx) => {
    ctx.collect('merged', b);
  });
});

if (isMain(import.meta)) {
  const result = await diamond.run();
  const merged = (result.collected.merged ?? []) as Branch[];
  console.log(`02 diamond: ${merged.length} results reached merge, e.g. ${JSON.stringify(merged.slice(0, 2))}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(merged.length === 20, `merge received every item from both branches: ${merged.length} of 20`);
  expect(
    merged.filter((b) => b.path === 'double').every((b) => b.value === b.n * 2),
    'the double branch doubled',
  );
  expect(
    merged.filter((b) => b.path === 'square').every((b) => b.value === b.n * b.n),
    'the square branch squared',
  );
  expect(result.stats.stages.merge?.in === 20, `stats: merge.in = ${result.stats.stages.merge?.in}`);
  done('02-diamond-pattern');
}
