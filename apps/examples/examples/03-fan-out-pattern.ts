/**
 * 03 fan-out pattern: every notification goes to three channels (broadcast); one channel runs in a thread pool.
 *
 *   users ─┬─> email
 *          ├─> sms    (thread pool)
 *          └─> push
 *
 * Run: npx tsx examples/03-fan-out-pattern.ts   or   npx minigun run examples/03-fan-out-pattern.ts
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-thread/register';
import { threadId } from 'node:worker_threads';
import { done, expect } from './lib/check.js';

const USERS = ['ada', 'brian', 'grace', 'linus', 'margaret'];

export const fanOut = pipeline('fan-out', { module: import.meta.url }, (p) => {
  p.producer('users', { to: ['email', 'sms', 'push'] }, () => USERS);
  p.consumer('email', (user: string, _out, ctx) => {
    ctx.collect('email', user);
  });
  p.consumer('sms', { strategy: 'thread', concurrency: 2 }, (user: string, _out, ctx) => {
    ctx.collect('sms', { user, threadId });
  });
  p.consumer('push', (user: string, _out, ctx) => {
    ctx.collect('push', user);
  });
});

if (isMain(import.meta)) {
  const result = await fanOut.run();
  const email = (result.collected.email ?? []) as string[];
  const sms = (result.collected.sms ?? []) as Array<{ user: string; threadId: number }>;
  const push = (result.collected.push ?? []) as string[];
  console.log(`03 fan-out: email ${email.length}, sms ${sms.length} (threads ${[...new Set(sms.map((s) => s.threadId))].join(',')}), push ${push.length}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect([...email].sort().join() === [...USERS].sort().join(), 'email got every user');
  expect([...sms.map((s) => s.user)].sort().join() === [...USERS].sort().join(), 'sms got every user');
  expect([...push].sort().join() === [...USERS].sort().join(), 'push got every user');
  expect(
    sms.every((s) => s.threadId !== threadId),
    'sms ran in worker threads, not the main thread',
  );
  done('03-fan-out-pattern');
}
