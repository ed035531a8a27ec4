/**
 * 04 fan-in pattern: three independent checks run on every order; their verdicts merge into one stage
 * (`from: [...]`) that decides once it has all three for an order.
 *
 *   orders ─┬─> fraud ───┐
 *           ├─> stock ───┼─> decide
 *           └─> address ─┘
 *
 * Run: npx tsx examples/04-fan-in-pattern.ts   or   npx minigun run examples/04-fan-in-pattern.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { done, expect } from './lib/check.js';

interface Order {
  id: number;
  amount: number;
  country: string;
}
interface Verdict {
  id: number;
  check: string;
  ok: boolean;
}

const ORDERS: Order[] = [
  { id: 1, amount: 20, country: 'FR' },
  { id: 2, amount: 9000, country: 'DE' },
  { id: 3, amount: 45, country: '??' },
  { id: 4, amount: 60, country: 'NL' },
];

export const fanIn = pipeline('fan-in', { module: import.meta.url }, (p) => {
  p.producer('orders', { to: ['fraud', 'stock', 'address'] }, () => ORDERS);
  p.processor('fraud', (o: Order): Verdict => ({ id: o.id, check: 'fraud', ok: o.amount < 5000 }));
  p.processor('stock', (o: Order): Verdict => ({ id: o.id, check: 'stock', ok: true }));
  p.processor('address', (o: Order): Verdict => ({ id: o.id, check: 'address', ok: /^[A-Z]{2}$/.test(o.country) }));
  // The merge: verdicts of one order arrive in any order; decide when all three are in.
  const pending = new Map<number, Verdict[]>();
  p.consumer('decide', { from: ['fraud', 'stock', 'address'] }, (v: Verdict, _out, ctx) => {
    const got = [...(pending.get(v.id) ?? []), v];
    pending.set(v.id, got);
    if (got.length === 3) ctx.collect('decisions', { id: v.id, accepted: got.every((x) => x.ok), failed: got.filter((x) => !x.ok).map((x) => x.check) });
  });
});

if (isMain(import.meta)) {
  const result = await fanIn.run();
  const decisions = (result.collected.decisions ?? []) as Array<{ id: number; accepted: boolean; failed: string[] }>;
  for (const d of [...decisions].sort((a, b) => a.id - b.id))
    console.log(`04 fan-in: order ${d.id} ${d.accepted ? 'accepted' : `rejected (${d.failed.join(', ')})`}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(result.stats.stages.decide?.in === 12, `decide merged 3 verdicts × 4 orders: ${result.stats.stages.decide?.in} inputs`);
  expect(decisions.length === 4, `one decision per order: ${decisions.length}`);
  expect(
    decisions
      .filter((d) => d.accepted)
      .map((d) => d.id)
      .sort()
      .join() === '1,4',
    'orders 1 and 4 accepted, 2 (fraud) and 3 (address) rejected',
  );
  done('04-fan-in-pattern');
}
