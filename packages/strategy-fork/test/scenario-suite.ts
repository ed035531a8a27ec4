/**
 * (Not a test file: scenarios.test.ts and @minigun/ipc-tempfile's tests call `describeScenarios`.)
 * The Ruby gem's fork scenarios (there, results of forked children went through hand-written, locked
 * tempfiles). Here no test writes a file: results, child PIDs and afterFork events reach the parent
 * through ctx.collect and out.emit.
 */
import { describe, expect, it } from 'vitest';
import type { Registry } from '@minigun/core';
import type { ConnectionEvent } from '@minigun/hooks';
import { cleanup, db, timing, type Connection, type HookEvent, type Published, type ResourceState, type channel } from './fixtures/scenarios.ts';
import { expectAccounting, itemErrors, sorted } from './util.ts';

const span = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/** The scenario pipelines of one transport (fixtures/scenarios.ts exports `channel` and `tempfile`). */
export type Scenarios = typeof channel;

/**
 * Declares the scenario tests over `set`, run with `registry()` (which must have the fork strategies and the
 * set's transport). strategy-fork runs them over the channel; @minigun/ipc-tempfile over tempfiles.
 */
export function describeScenarios(label: string, set: Scenarios, registry: () => Registry): void {
  const {
    strategyPerStage,
    databaseHooks,
    resourceHooks,
    statistics,
    errorHandling,
    inlineHookProcs,
    nestedContexts,
    batchAndProcess,
    publisher,
    crossContext,
    hookOrder,
    customerPublisher,
    orderPublisher,
    vipPublisher,
  } = set;
  describe(label, () => {
    it('09 strategy per stage: inline producer → ipc-fork processor → batch → cow-fork consumer', async () => {
      const r = await strategyPerStage.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(r.stats.stages.generate!.strategy).toBe('inline');
      expect(r.stats.stages.transform!.strategy).toBe('ipc-fork');
      expect(r.stats.stages.save!.strategy).toBe('cow-fork');
      const saved = r.collected.saved as Array<{ pid: number; batch: number[] }>;
      expect(saved).toHaveLength(4);
      for (const s of saved) expect(s.batch).toHaveLength(5);
      expect(sorted(saved.flatMap((s) => s.batch))).toEqual(span(1, 20).map((n) => n * 2));
      const transformPids = distinct(r.collected.transformPid as number[]);
      const savePids = distinct(saved.map((s) => s.pid));
      expect(transformPids.length).toBeGreaterThanOrEqual(1);
      expect(transformPids.length).toBeLessThanOrEqual(2);
      expect(savePids).toHaveLength(4); // a fresh child per batch
      for (const pid of [...transformPids, ...savePids]) expect(pid).not.toBe(process.pid);
      expect(savePids.some((p) => transformPids.includes(p))).toBe(false);
      expectAccounting(r);
    });

    it('17 database connection hooks: open in beforeRun, close before fork (parent), reopen after fork (child); the events come back with PIDs', async () => {
      const r = await databaseHooks.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const saved = r.collected.saved as Array<{ pid: number; conn: Connection; batch: number[] }>;
      expect(saved).toHaveLength(3);
      expect(sorted(saved.flatMap((s) => s.batch))).toEqual(span(1, 6));
      for (const s of saved) {
        expect(s.pid).not.toBe(process.pid);
        // The connection the stage used was opened in its own child, never inherited from the parent.
        expect(s.conn.pid).toBe(s.pid);
      }
      const events = r.collected['connection:db'] as ConnectionEvent[];
      expect(events[0]).toMatchObject({ event: 'open', pid: process.pid });
      expect(events[1]).toMatchObject({ event: 'close', pid: process.pid });
      const reopens = events.filter((e) => e.event === 'reopen');
      expect(reopens).toHaveLength(3);
      for (const e of reopens) {
        expect(e.pid).not.toBe(process.pid);
        expect(typeof e.workerId).toBe('number');
      }
      expect(sorted(reopens.map((e) => e.pid))).toEqual(sorted(saved.map((s) => s.pid)));
      // No connection is left open in the parent.
      expect(db.isOpen()).toBe(false);
      expect(events.filter((e) => e.pid === process.pid).map((e) => e.event)).toEqual(['open', 'close']);
    });

    it("18 resource cleanup hooks: the parent's resource is disposed in afterRun; each child acquires and disposes its own", async () => {
      const state: ResourceState = { resource: { name: 'parent-file', disposed: false } };
      const r = await resourceHooks.run({ state, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(state.resource.disposed).toBe(true);
      expect(cleanup.size).toBe(0);
      const acquired = r.collected.acquired as Array<{ pid: number; tracked: number; parentResourceDisposed: boolean }>;
      const released = r.collected.released as Array<{ n: number; pid: number; used?: string; open?: boolean; tracked: number }>;
      expect(acquired).toHaveLength(3);
      expect(released).toHaveLength(3);
      expect(sorted(released.map((x) => x.n))).toEqual([1, 2, 3]);
      for (const a of acquired) {
        expect(a.pid).not.toBe(process.pid);
        // A child's tracker holds its own resource only (the parent's lives in the parent).
        expect(a.tracked).toBe(1);
        expect(a.parentResourceDisposed).toBe(false);
      }
      for (const x of released) {
        expect(x.used).toBe(`child-${x.pid}`);
        expect(x.open).toBe(false);
        expect(x.tracked).toBe(0);
      }
      expect(sorted(acquired.map((a) => a.pid))).toEqual(sorted(released.map((x) => x.pid)));
    });

    it('19 statistics gathering: child PIDs from afterFork and from the inputs agree; timingStats counts forks and PIDs', async () => {
      const r = await statistics.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const forkPids = r.collected.forkPid as number[];
      const items = r.collected.itemPid as Array<{ pid: number; count: number }>;
      expect(forkPids).toHaveLength(4);
      expect(distinct(forkPids)).toHaveLength(4);
      expect(sorted(distinct(items.map((i) => i.pid)))).toEqual(sorted(forkPids));
      expect(items.reduce((a, i) => a + i.count, 0)).toBe(12);
      expect(forkPids).not.toContain(process.pid);
      const report = timing.report();
      expect(report.stages.process!.forks).toBe(4);
      expect(sorted([...report.pids])).toEqual(sorted(forkPids));
      expect(report.stages.process!.durationMs).toBeGreaterThan(0);
    });

    it('20 error handling hooks: onError receives the failed inputs of a forked stage; the run goes on', async () => {
      const r = await errorHandling.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.ok)).toEqual([1, 2, 4, 5]);
      const seen = r.collected.onError as Array<{ stage: string; input: unknown; name: string; message: string; pid: number }>;
      expect(seen).toHaveLength(2);
      expect(sorted(seen.map((s) => s.input as number))).toEqual([3, 6]);
      for (const s of seen) {
        expect(s.stage).toBe('validate');
        expect(s.name).toBe('TypeError');
        expect(s.message).toBe(`invalid item ${s.input as number}`);
        expect(s.pid).toBe(process.pid); // onError runs in the parent
      }
      expect(sorted(itemErrors(r).map((e) => e.input as number))).toEqual([3, 6]);
      expect(r.stats.stages.validate!.failed).toBe(2);
      expectAccounting(r);
    });

    it('21 inline hook procs: before/after and beforeFork run in the parent, afterFork in each child', async () => {
      const r = await inlineHookProcs.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const events = r.collected.events as HookEvent[];
      const of = (hook: string) => events.filter((e) => e.hook === hook);
      expect(of('before')).toHaveLength(1);
      expect(of('after')).toHaveLength(1);
      expect(events[0]!.hook).toBe('before');
      expect(events.at(-1)!.hook).toBe('after');
      for (const e of [...of('before'), ...of('after'), ...of('beforeFork')]) expect(e.pid).toBe(process.pid);
      expect(of('beforeFork')).toHaveLength(3);
      expect(of('afterFork')).toHaveLength(3);
      expect(of('work')).toHaveLength(3);
      const forkPids = of('afterFork').map((e) => e.pid);
      expect(distinct(forkPids)).toHaveLength(3);
      expect(forkPids).not.toContain(process.pid);
      expect(sorted(of('work').map((e) => e.pid))).toEqual(sorted(forkPids));
      expect(of('before')[0]!.stage).toBe('work');
    });

    it('35 nested contexts: ipc-fork → batch → per-batch cow-fork → back to inline', async () => {
      const r = await nestedContexts.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(r.stats.stages.double!.strategy).toBe('ipc-fork');
      expect(r.stats.stages.sum!.strategy).toBe('cow-fork');
      expect(r.stats.stages.report!.strategy).toBe('inline');
      const sums = r.collected.sums as Array<{ sum: number; size: number; pid: number }>;
      expect(sums).toHaveLength(4);
      for (const s of sums) {
        expect(s.size).toBe(4);
        expect(s.pid).toBe(process.pid); // back in the parent
      }
      expect(sums.reduce((a, s) => a + s.sum, 0)).toBe(2 * span(1, 16).reduce((a, b) => a + b, 0));
      const pids = r.collected.pids as Array<{ stage: string; pid: number }>;
      const doublePids = distinct(pids.filter((p) => p.stage === 'double').map((p) => p.pid));
      const sumPids = distinct(pids.filter((p) => p.stage === 'sum').map((p) => p.pid));
      expect(doublePids.length).toBeLessThanOrEqual(2);
      expect(sumPids).toHaveLength(4);
      expect([...doublePids, ...sumPids]).not.toContain(process.pid);
      expectAccounting(r);
    });

    it('36 batch and process: 45 items, batch(10), a cow-fork child per batch; counts reconcile', async () => {
      const r = await batchAndProcess.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const batches = r.collected.batches as Array<{ pid: number; size: number; items: number[] }>;
      expect(batches).toHaveLength(5);
      expect(sorted(batches.map((b) => b.size))).toEqual([5, 10, 10, 10, 10]);
      expect(sorted(batches.flatMap((b) => b.items))).toEqual(span(1, 45));
      expect(distinct(batches.map((b) => b.pid))).toHaveLength(5);
      expect(r.stats.stages.process!.in).toBe(5);
      expect(r.stats.stages.process!.done).toBe(5);
      expectAccounting(r);
    });

    it('inheritance with forks: each extended publisher publishes its own items from forked children; the base is unchanged; multi-level works', async () => {
      const [customers, orders, vips, base] = [
        await customerPublisher.run({ registry: registry() }),
        await orderPublisher.run({ registry: registry() }),
        await vipPublisher.run({ registry: registry() }),
        await publisher.run({ registry: registry() }),
      ];
      const published = (r: typeof customers) => [...(r.collected.published as Published[])].sort((a, b) => a.id - b.id);
      expect(customers.status).toBe('completed');
      expect(customers.errors).toEqual([]);
      expect(published(customers).map((p) => [p.kind, p.id, p.pipeline])).toEqual([
        ['customer', 1, customerPublisher.name],
        ['customer', 2, customerPublisher.name],
      ]);
      expect(orders.errors).toEqual([]);
      expect(published(orders).map((p) => [p.kind, p.id, p.pipeline])).toEqual([
        ['order', 10, orderPublisher.name],
        ['order', 20, orderPublisher.name],
        ['order', 30, orderPublisher.name],
      ]);
      expect(orders.collected.setup).toEqual(['order']);
      expect(customers.collected.setup).toBeUndefined(); // a sibling's hook is not inherited
      expect(vips.errors).toEqual([]);
      expect(
        published(vips)
          .map((p) => p.kind)
          .sort(),
      ).toEqual(['customer', 'customer', 'vip']);
      // The inherited afterFork ran in every child, naming the extended pipeline.
      for (const r of [customers, orders, vips]) {
        const forked = r.collected.forked as Array<{ pipeline: string; pid: number }>;
        expect(forked).toHaveLength((r.collected.published ?? []).length);
        for (const f of forked) expect(f.pid).not.toBe(process.pid);
        expect(sorted(forked.map((f) => f.pid))).toEqual(sorted(published(r).map((p) => p.pid)));
        expect(distinct(forked.map((f) => f.pipeline))).toEqual([r.pipeline]);
      }
      // The base pipeline is unchanged: one stage, nothing published.
      expect(publisher.stages.map((s) => s.name)).toEqual(['publish']);
      expect(base.status).toBe('completed');
      expect(base.collected.published).toBeUndefined();
      expect(customerPublisher.stages.map((s) => s.name).sort()).toEqual(['customers', 'publish']);
    });

    it('emit to a stage across contexts: a cow-fork stage routes with out.to() to an inline stage and to another cow-fork stage', async () => {
      const r = await crossContext.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const inline = r.collected.inline as Array<{ n: number; from: number; pid: number }>;
      const forked = r.collected.forked as Array<{ n: number; from: number; pid: number }>;
      expect(sorted(inline.map((x) => x.n))).toEqual([1, 2, 3]);
      expect(sorted(forked.map((x) => x.n))).toEqual([10, 20, 30]);
      const routerPids = distinct(inline.map((x) => x.from));
      expect(routerPids).toHaveLength(3);
      expect(routerPids).not.toContain(process.pid);
      for (const x of inline) expect(x.pid).toBe(process.pid);
      for (const x of forked) {
        expect(x.pid).not.toBe(process.pid);
        expect(routerPids).not.toContain(x.pid);
      }
      expect(distinct(forked.map((x) => x.pid))).toHaveLength(3);
      // The emits of router n went to both targets.
      for (const x of inline) expect(forked.find((f) => f.n === x.n * 10)?.from).toBe(x.from);
      expectAccounting(r);
    });

    it('hook order with fork events: beforeRun, before, beforeFork (parent) → afterFork (child) per input, after, afterRun; pipeline → stage → inline within a point', async () => {
      const r = await hookOrder.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const events = r.collected.events as HookEvent[];
      const names = events.map((e) => e.hook);
      expect(names[0]).toBe('beforeRun');
      expect(names.at(-1)).toBe('afterRun');
      const first = (h: string) => names.indexOf(h);
      const last = (h: string) => names.lastIndexOf(h);
      expect(first('before')).toBeGreaterThan(first('beforeRun'));
      expect(first('before')).toBeLessThan(first('beforeFork'));
      expect(last('after')).toBeGreaterThan(last('afterFork'));
      expect(last('after')).toBeGreaterThan(last('work'));
      expect(last('after')).toBeLessThan(names.length - 1);
      for (const h of ['beforeRun', 'before', 'after', 'afterRun']) expect(names.filter((n) => n === h)).toHaveLength(1);

      const workerIds = distinct(events.filter((e) => e.hook === 'beforeFork').map((e) => e.workerId));
      expect(workerIds).toHaveLength(2);
      for (const id of workerIds) {
        const mine = events.map((e, i) => ({ ...e, i })).filter((e) => e.workerId === id);
        const bf = mine.filter((e) => e.hook === 'beforeFork');
        const af = mine.filter((e) => e.hook === 'afterFork');
        const work = mine.filter((e) => e.hook === 'work');
        expect(bf.map((e) => e.level)).toEqual(['pipeline', 'stage', 'inline']);
        expect(af.map((e) => e.level)).toEqual(['pipeline', 'stage', 'inline']);
        expect(work).toHaveLength(1);
        for (const e of bf) expect(e.pid).toBe(process.pid);
        for (const e of af) {
          expect(e.pid).not.toBe(process.pid);
          expect(e.pid).toBe(work[0]!.pid);
        }
        // beforeFork (parent) → afterFork (child) → the input, for each child.
        expect(Math.max(...bf.map((e) => e.i))).toBeLessThan(Math.min(...af.map((e) => e.i)));
        expect(Math.max(...af.map((e) => e.i))).toBeLessThan(work[0]!.i);
      }
      expect(sorted(r.collected.out)).toEqual([1, 2]);
    });
  });
}
