/**
 * 17 database connection hooks: the parent must not share its connection with forked children. With
 * `connectionLifecycle` from @minigun/hooks the parent opens in beforeRun, closes before each fork, and each
 * child reopens its own in afterFork (the Ruby gem's disconnect-before-fork / reconnect-after-fork). A fake
 * in-memory "connection" stands in for a database client here.
 *
 *   ids (inline, queries the parent's connection) ─> batch(3) ─> save (cow-fork: uses the child's connection)
 *
 * Run: npx tsx examples/17-database-connection-hooks.ts   or   npx minigun run examples/17-database-connection-hooks.ts
 */
import { isMain, pipeline } from '@minigun/core';
import { connectionLifecycle } from '@minigun/hooks';
import '@minigun/strategy-fork/register';
import { distinct, done, expect, span } from './lib/check.js';

interface FakeConnection {
  id: string;
  pid: number;
  open: boolean;
  query(sql: string): number[];
}

let opened = 0;
export const db = connectionLifecycle<FakeConnection>({
  name: 'db',
  open: () => {
    const conn: FakeConnection = {
      id: `conn-${process.pid}-${++opened}`,
      pid: process.pid,
      open: true,
      query: (sql) => {
        if (!conn.open) throw new Error(`query on closed connection ${conn.id}: ${sql}`);
        return span(1, 9);
      },
    };
    return conn;
  },
  close: (c) => {
    c.open = false;
  },
  record: true,
});

export const databaseHooks = pipeline('database-hooks', { module: import.meta.url }, (p) => {
  p.use(db.bundle);
  // Runs before any fork: the parent's connection is still open.
  p.producer('ids', () => db.get().query('select id from users'));
  p.batch(3);
  p.consumer('save', { strategy: 'cow-fork', concurrency: 2 }, (ids: number[], _out, ctx) => {
    const conn = db.get(); // opened in this child by afterFork
    ctx.collect('saved', { ids, conn: conn.id, connPid: conn.pid, pid: process.pid });
  });
});

if (isMain(import.meta)) {
  const result = await databaseHooks.run();
  const events = (result.collected['connection:db'] ?? []) as Array<{ event: string; pid: number }>;
  const saved = (result.collected.saved ?? []) as Array<{ ids: number[]; conn: string; connPid: number; pid: number }>;
  console.log(`17 connection events: ${events.map((e) => `${e.event}@${e.pid === process.pid ? 'parent' : e.pid}`).join(' ')}`);
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(events[0]?.event === 'open' && events[0].pid === process.pid, 'the parent opened its connection first (beforeRun)');
  expect(
    events.some((e) => e.event === 'close' && e.pid === process.pid),
    'the parent closed its connection before forking',
  );
  const reopens = events.filter((e) => e.event === 'reopen');
  expect(reopens.length === 3 && reopens.every((e) => e.pid !== process.pid), `each of the 3 children reopened its own connection (${reopens.length} reopens)`);
  expect(
    saved.every((s) => s.connPid === s.pid && s.pid !== process.pid),
    'every batch was saved through a connection opened in its own child',
  );
  expect(
    saved
      .flatMap((s) => s.ids)
      .sort((a, b) => a - b)
      .join() === span(1, 9).join(),
    'all 9 ids were saved once',
  );
  expect(distinct(saved.map((s) => s.conn)).length === 3, 'three distinct child connections');
  done('17-database-connection-hooks');
}
