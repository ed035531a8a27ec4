/**
 * 61 partition routing: `dispatch: 'partition'` sends each item to one target chosen by its key, and one key
 * always to the same target — so one worker sees all of a customer's orders, in order, and may keep that
 * customer's running state to itself. An item whose key is null is dropped and counted as `filtered`.
 *
 *   orders ─partition by customer─> worker-a | worker-b | worker-c ─> ledger
 *
 * The default hash (FNV-1a of the key's text) gives the same target in every run and process. With
 * `partitionHash` you choose the mapping yourself: the second pipeline sends account n to shard n mod 3.
 *
 * Run: npx tsx examples/61-partition-routing.ts
 *      npx minigun run examples/61-partition-routing.ts --pipeline partition-routing   (or partition-by-shard)
 */
import { isMain, pipeline } from '@minigun/core';
import { distinct, done, expect, span } from './lib/check.js';

const WORKERS = ['worker-a', 'worker-b', 'worker-c'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Order {
  seq: number;
  customer: string | null;
  cents: number;
}
interface Handled extends Order {
  worker: string;
  balance: number;
}

/** 40 orders from 7 customers, interleaved; every tenth has no customer (a guest checkout). */
export const ORDERS: Order[] = span(1, 40).map((seq) => ({ seq, customer: seq % 10 === 0 ? null : `cust-${(seq * 3) % 7}`, cents: seq * 100 }));

export const partitionRouting = pipeline('partition-routing', { module: import.meta.url }, (p) => {
  p.producer('orders', { to: WORKERS, dispatch: 'partition', partitionKey: (o: Order) => o.customer }, () => ORDERS);
  for (const worker of WORKERS) {
    // Each worker keeps the running balance of the customers it owns: no other worker ever sees them.
    const balances = new Map<string, number>();
    p.processor(worker, { to: 'ledger', hooks: { before: () => balances.clear() } }, async (o: Order): Promise<Handled> => {
      await sleep(o.seq % 3); // uneven work: order within a customer must not depend on timing
      const balance = (balances.get(o.customer!) ?? 0) + o.cents;
      balances.set(o.customer!, balance);
      return { ...o, worker, balance };
    });
  }
  p.consumer('ledger', (h: Handled, _out, ctx) => {
    ctx.collect('handled', h);
  });
});

/** Accounts 1..12; shard n of 3 takes the accounts whose number is n mod 3, as the database does. */
export const partitionByShard = pipeline('partition-by-shard', { module: import.meta.url }, (p) => {
  const shards = ['shard-0', 'shard-1', 'shard-2'];
  p.producer('accounts', { to: shards, dispatch: 'partition', partitionKey: (n: number) => n, partitionHash: (key) => Number(key) }, () => span(1, 12));
  for (const shard of shards) {
    p.consumer(shard, (n: number, _out, ctx) => {
      ctx.collect('placed', { n, shard });
    });
  }
});

if (isMain(import.meta)) {
  const result = await partitionRouting.run();
  const handled = (result.collected.handled ?? []) as Handled[];
  const customers = distinct(ORDERS.flatMap((o) => (o.customer === null ? [] : [o.customer])));
  for (const w of WORKERS) console.log(`61 ${w}: customers ${distinct(handled.filter((h) => h.worker === w).map((h) => h.customer!)).join(', ')}`);
  const guests = ORDERS.filter((o) => o.customer === null).length;
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    handled.length === ORDERS.length - guests && new Set(handled.map((h) => h.seq)).size === handled.length,
    `every order with a customer was handled exactly once (${handled.length})`,
  );
  expect(
    customers.every((c) => distinct(handled.filter((h) => h.customer === c).map((h) => h.worker)).length === 1),
    `each of the ${customers.length} customers was handled by one worker only`,
  );
  expect(
    customers.every((c) => {
      const mine = handled.filter((h) => h.customer === c);
      const expected = ORDERS.filter((o) => o.customer === c);
      return mine.map((h) => h.seq).join() === expected.map((o) => o.seq).join() && mine.at(-1)!.balance === expected.reduce((a, o) => a + o.cents, 0);
    }),
    "each customer's orders arrived in order and its balance adds up",
  );
  expect(result.stats.stages.orders?.filtered === guests, `the ${guests} orders without a customer (key null) were dropped and counted as filtered`);
  expect(WORKERS.filter((w) => (result.stats.stages[w]?.in ?? 0) > 0).length >= 2, 'the customers were spread over more than one worker');

  const sharded = await partitionByShard.run();
  const placed = (sharded.collected.placed ?? []) as Array<{ n: number; shard: string }>;
  console.log(`61 shards: ${placed.map((x) => `${x.n}→${x.shard}`).join(' ')}`);
  expect(sharded.status === 'completed', `the sharded run completed (status ${sharded.status})`);
  expect(placed.length === 12 && placed.every((x) => x.shard === `shard-${x.n % 3}`), 'partitionHash placed account n on shard n mod 3');
  done('61-partition-routing');
}
