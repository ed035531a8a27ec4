/**
 * 22 reroute stage: a child pipeline (`extend`) changes where an inherited stage sends its items
 * (`p.reroute(stage, { to })`, Ruby's reroute_stage) — here it skips the `enrich` step — while the parent keeps
 * its own routing.
 *
 * Run: npx tsx examples/22-reroute-stage.ts   or   npx minigun run examples/22-reroute-stage.ts --pipeline fast-path
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect } from './lib/check.js';

interface Doc {
  id: number;
  enriched?: boolean;
}

export const fullPath = pipeline('full-path', { module: import.meta.url }, (p) => {
  p.producer('load', (): Doc[] => [{ id: 1 }, { id: 2 }, { id: 3 }]);
  p.processor('enrich', (d: Doc): Doc => ({ ...d, enriched: true }));
  p.consumer('store', (d: Doc, _out, ctx) => {
    ctx.collect('stored', d);
  });
});

export const fastPath = fullPath.extend('fast-path', (p) => {
  p.reroute('load', { to: 'store' });
});

if (isMain(import.meta)) {
  const full = await fullPath.run();
  const fast = await fastPath.run();
  const fullDocs = (full.collected.stored ?? []) as Doc[];
  const fastDocs = (fast.collected.stored ?? []) as Doc[];
  console.log(`22 full path stored ${JSON.stringify(fullDocs)}`);
  console.log(`   fast path stored ${JSON.stringify(fastDocs)}`);
  expect(full.status === 'completed' && fast.status === 'completed', 'both runs completed');
  expect(fullDocs.length === 3 && fullDocs.every((d) => d.enriched === true), 'the parent still goes through enrich');
  expect(fastDocs.length === 3 && fastDocs.every((d) => d.enriched === undefined), 'the rerouted child skips enrich');
  expect((fast.stats.stages.enrich?.in ?? 0) === 0, `enrich got no input in the child (in = ${fast.stats.stages.enrich?.in ?? 0})`);
  done('22-reroute-stage');
}
