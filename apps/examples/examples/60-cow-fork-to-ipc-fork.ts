/**
 * 60 cow-fork ⇄ ipc-fork: items emitted in one kind of child process are the inputs of another, in both
 * directions. `split` parses each upload in a fresh child (`cow-fork`) and emits one item per order; those
 * orders are the inputs of `price`, one persistent child (`ipc-fork`) that loads its price list once, in
 * `afterFork`, and keeps it for every order; its priced orders, in batches of 3, are the inputs of `publish`,
 * a fresh child per batch (`cow-fork` again). Every hop goes through the parent, with backpressure.
 *
 *   uploads ─> split (cow-fork) ─> price (ipc-fork) ─> batch(3) ─> publish (cow-fork)
 *
 * Run: npx tsx examples/60-cow-fork-to-ipc-fork.ts   or   npx minigun run examples/60-cow-fork-to-ipc-fork.ts
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { distinct, done, expect } from './lib/check.js';

/** Two uploads of order lines (sku:quantity). */
export const UPLOADS = ['A1:2 B7:1 C3:5', 'B7:4 A1:1 C3:2'];
const PRICES_CENTS: Record<string, number> = { A1: 250, B7: 1000, C3: 120 };

interface Order {
  sku: string;
  quantity: number;
  splitBy: number;
}
interface Priced extends Order {
  cents: number;
  pricedBy: number;
}

/** The price list of this child process, loaded once in afterFork (an ipc-fork child keeps it). */
let priceList: Record<string, number> | undefined;

export const cowToIpc = pipeline('cow-fork-to-ipc-fork', { module: import.meta.url }, (p) => {
  p.producer('uploads', () => UPLOADS);
  p.processor('split', { strategy: 'cow-fork', concurrency: 2 }, async (upload: string, out) => {
    for (const line of upload.split(' ')) {
      const [sku, quantity] = line.split(':');
      await out.emit({ sku: sku!, quantity: Number(quantity), splitBy: process.pid } satisfies Order);
    }
  });
  p.processor(
    'price',
    {
      strategy: 'ipc-fork',
      concurrency: 1,
      hooks: {
        afterFork: (ctx) => {
          priceList = { ...PRICES_CENTS }; // stands for loading a file or a database table
          ctx.collect('price-list-loads', process.pid);
        },
      },
    },
    (o: Order): Priced => ({ ...o, cents: o.quantity * priceList![o.sku]!, pricedBy: process.pid }),
  );
  p.batch(3);
  p.consumer('publish', { strategy: 'cow-fork', concurrency: 2 }, (batch: Priced[], _out, ctx) => {
    ctx.collect('published', { orders: batch, publishedBy: process.pid });
  });
});

if (isMain(import.meta)) {
  const result = await cowToIpc.run();
  const published = (result.collected.published ?? []) as Array<{ orders: Priced[]; publishedBy: number }>;
  const orders = published.flatMap((b) => b.orders);
  const loads = (result.collected['price-list-loads'] ?? []) as number[];
  const splitPids = distinct(orders.map((o) => o.splitBy));
  const pricePids = distinct(orders.map((o) => o.pricedBy));
  const publishPids = distinct(published.map((b) => b.publishedBy));
  for (const b of published)
    console.log(
      `60 published by child ${b.publishedBy}: ${b.orders.map((o) => `${o.sku}×${o.quantity}=${o.cents} (split ${o.splitBy}, priced ${o.pricedBy})`).join(', ')}`,
    );
  const all = [process.pid, ...splitPids, ...pricePids, ...publishPids];
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(
    orders.length === 6 && orders.reduce((a, o) => a + o.cents, 0) === 2 * 250 + 1000 + 5 * 120 + 4 * 1000 + 250 + 2 * 120,
    'all 6 orders were priced and published once (total 65.90)',
  );
  expect(splitPids.length === 2, 'split ran each upload in a child of its own (cow-fork)');
  expect(
    pricePids.length === 1 && loads.length === 1 && loads[0] === pricePids[0],
    'price ran every order in one persistent child, which loaded its price list once (ipc-fork)',
  );
  expect(publishPids.length === 2 && published.every((b) => b.orders.length === 3), 'publish ran each batch of 3 in a child of its own (cow-fork)');
  expect(new Set(all).size === all.length, 'parent, split, price and publish children were all different processes');
  done('60-cow-fork-to-ipc-fork');
}
