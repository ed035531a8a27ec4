/**
 * 01 sequential default routing: with no `to`/`from`, each stage feeds the next one defined after it.
 *
 *   generate ─> double ─> add-one ─> collect
 *
 * Run: npx tsx examples/01-sequential-default.ts   or   npx minigun run examples/01-sequential-default.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect, span } from './lib/check.js';

export const sequential = pipeline('sequential', { module: import.meta.url }, (p) => {
  p.producer('generate', () => span(1, 5));
  p.processor('double', (n: number) => n * 2);
  p.processor('add-one', (n: number) => n + 1);
  p.consumer('collect', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
});

if (isMain(import.meta)) {
  const result = await sequential.run();
  const out = (result.collected.out ?? []) as number[];
  console.log(`01 sequential: [1..5] → double → add-one → ${JSON.stringify(out)}`);
  console.log(`   edges: ${sequential.stages.map((s) => `${s.name} → ${s.to.join(',') || '(end)'}`).join('; ')}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(out.join() === '3,5,7,9,11', 'each item went through every stage, in definition order');
  expect(sequential.stages.map((s) => s.to.join()).join(' ') === 'double add-one collect ', 'default edges link each stage to the next');
  done('01-sequential-default');
}
