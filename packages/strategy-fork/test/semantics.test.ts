/**
 * State and process semantics: cow-fork children see ctx.state as of fork time (after beforeFork) and never
 * change the parent's (COW isolation), each input runs in its own PID; ipc-fork keeps `concurrency` workers
 * whose state and module-level caches persist across inputs, and `recycleAfter` replaces them; spares on
 * or off, cow-fork stays correct.
 */
import { describe, expect, it } from 'vitest';
import { cowPids, cowState, ipcState, type CowState, type IpcSeen, type Seen } from './fixtures/semantics.ts';
import { forkLauncher, type ChildLauncher } from '@minigun/strategy-fork';
import { expectAccounting, groupBy, registry, sorted } from './util.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('cow-fork: a snapshot of state at fork time, never written back', () => {
  for (const spares of [undefined, 0] as const) {
    it(`children see beforeFork's change, the parent never sees theirs (spares: ${spares ?? 'default'})`, async () => {
      const state: CowState = { count: 4, forks: 0, list: [1, 2, 3] };
      const r = await cowState.run({ state, registry: registry(spares === undefined ? {} : { spares }) });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect(sorted(r.collected.out)).toEqual(range(4));
      const seen = [...(r.collected.seen as Seen[])].sort((a, b) => a.forks - b.forks);
      expect(seen).toHaveLength(4);
      // concurrency 1: the k-th child was given its input after the k-th beforeFork, and saw it.
      expect(seen.map((s) => s.forks)).toEqual([1, 2, 3, 4]);
      for (const s of seen) {
        expect(s.tag).toBe(`fork-${s.forks}`);
        // Mutations of earlier children (list.push, forks = -1) never reached a later child.
        expect(s.list).toEqual([1, 2, 3]);
        expect(s.pid).not.toBe(process.pid);
        expect(s.ctxPid).toBe(s.pid);
      }
      expect(new Set(seen.map((s) => s.pid)).size).toBe(4);
      // The parent: beforeFork ran here once per input; the children's mutations are invisible.
      expect(state.forks).toBe(4);
      expect(state.tag).toBe('fork-4');
      expect(state.list).toEqual([1, 2, 3]);
      expect(state.mutatedBy).toBeUndefined();
      for (const v of r.collected.parentView as Array<{ list: number[]; mutatedBy?: number; forks: number }>) {
        expect(v.list).toEqual([1, 2, 3]);
        expect(v.mutatedBy).toBeUndefined();
        expect(v.forks).toBeGreaterThan(0);
      }
      expectAccounting(r);
    });
  }

  it('spares: no child is started that no input will take', async () => {
    // A launcher that counts the children it starts (the default one underneath).
    const fork = forkLauncher();
    const started: number[] = [];
    const launcher: ChildLauncher = {
      start: () => {
        const child = fork.start();
        started.push(child.pid ?? -1);
        return child;
      },
    };
    // A producer that has all 6 inputs at once: once it is done, spares are topped up only to the inputs left.
    const r = await cowPids.run({ state: { count: 6 }, registry: registry({ launcher, spares: 3 }) });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual(range(6));
    const used = new Set((r.collected.seen as Array<{ pid: number }>).map((s) => s.pid));
    expect(used.size).toBe(6);
    // Every child started ran an input: none was started only to be killed at the end.
    expect(started).toHaveLength(6);
    expect(new Set(started)).toEqual(used);
  });

  it("each input runs in a different PID, none of them the parent's", async () => {
    const r = await cowPids.run({ state: { count: 6 }, registry: registry() });
    expect(r.status).toBe('completed');
    expect(sorted(r.collected.out)).toEqual(range(6));
    const seen = r.collected.seen as Array<{ n: number; pid: number; ctxPid: number }>;
    expect(seen).toHaveLength(6);
    expect(new Set(seen.map((s) => s.pid)).size).toBe(6);
    for (const s of seen) {
      expect(s.pid).not.toBe(process.pid);
      expect(s.ctxPid).toBe(s.pid);
    }
  });
});

describe('ipc-fork: persistent workers', () => {
  it("at most concurrency (2) distinct PIDs; per-worker state and a module-level cache persist across inputs; the parent's state is untouched", async () => {
    const state: { items: number; count?: number } = { items: 30 };
    const r = await ipcState.run({ state, registry: registry() });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual(range(30));
    const seen = r.collected.seen as IpcSeen[];
    expect(seen).toHaveLength(30);
    const byPid = groupBy(seen, (s) => s.pid);
    expect(byPid.size).toBeGreaterThanOrEqual(1);
    expect(byPid.size).toBeLessThanOrEqual(2);
    expect(byPid.has(process.pid)).toBe(false);
    for (const [pid, list] of byPid) {
      // ctx.state.count counted 1, 2, 3 … in each worker: its state persisted across its inputs.
      expect(sorted(list.map((s) => s.count))).toEqual(range(list.length).map((i) => i + 1));
      // @model ||= load: loaded once per worker, by that worker.
      for (const s of list) {
        expect(s.loads).toBe(1);
        expect(s.loadedBy).toBe(pid);
      }
      expect(new Set(list.map((s) => s.workerId)).size).toBe(1);
    }
    expect(state.count).toBeUndefined();
    expectAccounting(r);
  });

  it('recycleAfter: 5 replaces workers: more distinct PIDs than concurrency, and no worker runs more than 5 inputs (instant inputs, which chunking would batch)', async () => {
    const r = await ipcState.run({ state: { items: 40, sleepMs: 0 }, registry: registry({ recycleAfter: 5 }) });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.collected.out)).toEqual(range(40));
    const seen = r.collected.seen as IpcSeen[];
    const byPid = groupBy(seen, (s) => s.pid);
    expect(byPid.size).toBeGreaterThan(2);
    for (const [pid, list] of byPid) {
      // "replace a child after it ran this many inputs": also when inputs travel in chunks.
      expect(list.length, `inputs run by worker ${pid}`).toBeLessThanOrEqual(5);
      for (const s of list) expect(s.loads).toBe(1); // a fresh process loads its own model
    }
    expect(byPid.size).toBeGreaterThanOrEqual(3);
    expectAccounting(r);
  });
});
