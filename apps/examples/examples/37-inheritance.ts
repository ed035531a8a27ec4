/**
 * 37 inheritance: a base publisher pipeline (hooks + a cow-fork `publish` stage) and two publishers built on
 * it with `extend`, each adding its own producer and hooks. The base and the siblings are unaffected by each
 * other; extending works at any depth (vip extends customers).
 *
 * Run: npx tsx examples/37-inheritance.ts
 *      npx minigun run examples/37-inheritance.ts --pipeline order-publisher   (the module exports several)
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { done, expect } from './lib/check.js';

interface Record_ {
  kind: string;
  id: number;
}

export const publisher = pipeline('publisher', { module: import.meta.url }, (p) => {
  p.beforeRun((ctx) => {
    ctx.collect('setup', 'base');
  });
  p.consumer('publish', { strategy: 'cow-fork', concurrency: 2 }, (r: Record_, _out, ctx) => {
    ctx.collect('published', { ...r, pipeline: ctx.pipeline, pid: process.pid });
  });
});

export const customerPublisher = publisher.extend('customer-publisher', (p) => {
  p.producer('customers', { to: 'publish' }, (): Record_[] => [1, 2].map((id) => ({ kind: 'customer', id })));
});

export const orderPublisher = publisher.extend('order-publisher', (p) => {
  p.beforeRun((ctx) => {
    ctx.collect('setup', 'orders');
  });
  p.producer('orders', { to: 'publish' }, (): Record_[] => [10, 20, 30].map((id) => ({ kind: 'order', id })));
});

export const vipPublisher = customerPublisher.extend('vip-publisher', (p) => {
  p.producer('vips', { to: 'publish' }, (): Record_[] => [{ kind: 'vip', id: 99 }]);
});

if (isMain(import.meta)) {
  const customers = await customerPublisher.run();
  const orders = await orderPublisher.run();
  const vips = await vipPublisher.run();
  const kinds = (r: typeof customers) => ((r.collected.published ?? []) as Array<Record_ & { pid: number }>).map((x) => `${x.kind}:${x.id}`).sort();
  console.log(`37 customers ${kinds(customers).join(' ')} | orders ${kinds(orders).join(' ')} | vips ${kinds(vips).join(' ')}`);
  console.log(`   setup hooks: customers ${customers.collected.setup?.join('+')}, orders ${orders.collected.setup?.join('+')}`);
  expect(
    [customers, orders, vips].every((r) => r.status === 'completed'),
    'all three runs completed',
  );
  expect(kinds(customers).join() === 'customer:1,customer:2', 'the customer publisher published its customers only');
  expect(kinds(orders).join() === 'order:10,order:20,order:30', 'the order publisher published its orders only');
  expect(kinds(vips).join() === 'customer:1,customer:2,vip:99', 'vip (two levels down) has its parent’s producer plus its own');
  expect(
    customers.collected.setup?.join() === 'base' && orders.collected.setup?.join() === 'base,orders',
    'hooks are inherited, parent’s first; a sibling’s hook does not leak',
  );
  expect(publisher.stages.map((s) => s.name).join() === 'publish', 'the base pipeline is unchanged: still only its publish stage');
  expect(!orderPublisher.stages.some((s) => s.name === 'customers') && !customerPublisher.stages.some((s) => s.name === 'orders'), 'siblings are independent');
  expect(
    ((orders.collected.published ?? []) as Array<{ pid: number }>).every((x) => x.pid !== process.pid),
    'the inherited cow-fork stage runs in children',
  );
  done('37-inheritance');
}
