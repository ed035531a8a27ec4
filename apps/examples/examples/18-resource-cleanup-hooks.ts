/**
 * 18 resource cleanup hooks: `resourceCleanup` from @minigun/hooks disposes tracked resources last-in,
 * first-out in afterRun, however the run ends. Children track their own resources in afterFork and dispose of
 * them themselves (afterRun runs in the parent only).
 *
 * Run: npx tsx examples/18-resource-cleanup-hooks.ts   or   npx minigun run examples/18-resource-cleanup-hooks.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { resourceCleanup } from '@minigun/hooks';
import '@minigun/strategy-fork/register';
import { done, expect } from './lib/check.js';

export const cleanup = resourceCleanup();
/** Disposal order, as seen in the parent. */
const disposed: string[] = [];
/** The resource of this isolate's afterFork (each child has its own module instance). */
let childResource: { name: string; open: boolean } | undefined;

export const resourceHooks = pipeline('resource-hooks', { module: import.meta.url }, (p) => {
  p.use(cleanup.bundle);
  p.beforeRun(() => {
    cleanup.track({ name: 'cache' }, () => void disposed.push('cache'), 'cache');
    cleanup.track({ name: 'lock' }, () => void disposed.push('lock'), 'lock');
  });
  p.afterFork('work', (ctx) => {
    childResource = cleanup.track<{ name: string; open: boolean }>(
      { name: `scratch-${ctx.pid}`, open: true },
      (r) => {
        r.open = false;
      },
      'scratch',
    );
  });
  p.producer('jobs', () => [1, 2, 3]);
  p.consumer('work', { strategy: 'cow-fork', concurrency: 2 }, async (n: number, _out, ctx) => {
    const used = childResource?.name;
    await cleanup.disposeAll();
    ctx.collect('released', { n, used, open: childResource?.open, left: cleanup.size, pid: process.pid });
  });
});

if (isMain(import.meta)) {
  const result = await resourceHooks.run();
  const released = (result.collected.released ?? []) as Array<{ n: number; used?: string; open?: boolean; left: number; pid: number }>;
  console.log(`18 parent disposed: ${disposed.join(' then ')}; children: ${released.map((r) => `${r.used} open=${r.open}`).join(', ')}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(disposed.join() === 'lock,cache', 'the parent disposed its resources last-in, first-out in afterRun');
  expect(cleanup.size === 0, 'nothing is left tracked in the parent');
  expect(
    released.length === 3 && released.every((r) => r.used === `scratch-${r.pid}` && r.open === false && r.left === 0),
    'each child used and released its own resource',
  );
  done('18-resource-cleanup-hooks');
}
