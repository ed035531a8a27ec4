/**
 * 50 third-party plugin: a stage runs on `wtp`, a strategy that is not part of Minigun — it lives in
 * plugins/wtp/ and runs stages on the node-worker-threads-pool library, through the public plugin API only
 * (see plugins/README.md). Registering its side-effect entry is all a pipeline needs.
 *
 * Run: npx tsx examples/50-third-party-plugin.ts   or   npx minigun run examples/50-third-party-plugin.ts
 *      (without the register import: node --import tsx ../../node_modules/@minigun/cli/dist/cli.js run … --use ./plugins/wtp/src/index.ts)
 */
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { isMain, pipeline } from '@minigun/core';
import '../plugins/wtp/src/register.js';
import { distinct, done, expect, span } from './lib/check.js';

export const thirdParty = pipeline<{ rounds: number }>('third-party-plugin', { module: import.meta.url }, (p) => {
  p.afterFork('hash', (ctx) => {
    ctx.collect('workers', { workerId: ctx.workerId, threadId });
  });
  p.producer('ids', () => span(1, 24));
  p.processor('hash', { strategy: 'wtp', concurrency: 3 }, (n: number, _out, ctx) => {
    // CPU work in a worker thread of the third-party pool.
    let digest = String(n);
    for (let i = 0; i < (ctx.state.rounds ?? 2000); i++) digest = createHash('sha256').update(digest).digest('hex');
    return { n, digest: digest.slice(0, 12), threadId };
  });
  p.consumer('collect', (r: { n: number; digest: string; threadId: number }, _out, ctx) => {
    ctx.collect('hashed', r);
  });
});

if (isMain(import.meta)) {
  const result = await thirdParty.run({ state: { rounds: 2000 } });
  const hashed = (result.collected.hashed ?? []) as Array<{ n: number; digest: string; threadId: number }>;
  const workers = (result.collected.workers ?? []) as Array<{ workerId: number; threadId: number }>;
  console.log(
    `50 wtp: ${hashed.length} inputs hashed on threads ${distinct(hashed.map((h) => h.threadId)).join(',')}; afterFork ran in ${workers.length} worker(s)`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(result.stats.stages.hash?.strategy === 'wtp', 'the hash stage ran on the plugin strategy');
  expect(
    hashed
      .map((h) => h.n)
      .sort((a, b) => a - b)
      .join() === span(1, 24).join(),
    'every input was hashed exactly once',
  );
  expect(
    hashed.every((h) => h.threadId !== threadId),
    'the work ran in worker threads, not the main thread',
  );
  expect(workers.length >= 1 && workers.length <= 3, `afterFork ran once per pool worker (${workers.length}, pool of 3)`);
  done('50-third-party-plugin');
}
