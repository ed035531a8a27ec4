/**
 * 20 error handling hooks: failing items are recorded and reported to onError; the run goes on.
 * `validate` runs in fresh child processes (cow-fork): the error's class and message come back intact.
 * `flaky` fails the first attempt of some items and succeeds on retry (`retries: 1`).
 *
 * Run: npx tsx examples/20-error-handling-hooks.ts   or   npx minigun run examples/20-error-handling-hooks.ts
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { done, expect, sortedNumbers, span } from './lib/check.js';

const attempts = new Map<number, number>();

export const errorHandling = pipeline('error-handling', { module: import.meta.url }, (p) => {
  p.onError((error, info, ctx) => {
    ctx.collect('onError', { stage: info.stage, input: info.input, name: error.name, message: error.message });
  });
  p.producer('gen', () => span(1, 10));
  p.processor('validate', { strategy: 'cow-fork', concurrency: 2 }, (n: number) => {
    if (n % 4 === 0) throw new TypeError(`item ${n} is a multiple of 4`);
    return n;
  });
  p.processor('flaky', { retries: 1 }, (n: number) => {
    const attempt = (attempts.get(n) ?? 0) + 1;
    attempts.set(n, attempt);
    if (n % 3 === 0 && attempt === 1) throw new Error(`transient failure on ${n}`);
    return n;
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('ok', n);
  });
});

if (isMain(import.meta)) {
  const result = await errorHandling.run();
  const hooked = (result.collected.onError ?? []) as Array<{ stage: string; input: number; name: string; message: string }>;
  for (const e of result.errors)
    console.log(`20 error in ${e.stage}: ${e.error.name}: ${e.message} (input ${JSON.stringify(e.input)}, ${e.attempts} attempt(s))`);
  console.log(`   ok: ${sortedNumbers(result.collected.ok ?? []).join(',')}; flaky retried ${result.stats.stages.flaky?.retried} time(s)`);
  expect(result.status === 'completed', `the run completed despite failures (status ${result.status})`);
  expect(sortedNumbers(result.collected.ok ?? []).join() === '1,2,3,5,6,7,9,10', 'every valid item got through, including the retried ones');
  expect(
    result.errors.length === 2 && result.errors.every((e) => e.stage === 'validate' && e.error.name === 'TypeError'),
    'the 2 invalid items are recorded with their stage and error class',
  );
  expect(sortedNumbers(result.errors.map((e) => e.input)).join() === '4,8', 'the errors carry the failing inputs');
  expect(hooked.length === 2 && hooked.every((h) => h.stage === 'validate' && /multiple of 4/.test(h.message)), 'onError saw each failure');
  expect(result.stats.stages.flaky?.retried === 3 && result.stats.stages.flaky.failed === 0, 'flaky retried items 3, 6 and 9 once each and lost none');
  done('20-error-handling-hooks');
}
