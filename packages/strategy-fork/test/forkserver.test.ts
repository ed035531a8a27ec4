/**
 * cow-fork's fork server (start: 'forkserver', and what 'auto' picks here): what a forked child sees,
 * children that crash, a server killed mid-run, a preload that throws, modules it refuses, and no zombie.
 * The other fork test files run under both start methods (MINIGUN_TEST_COW_START, see util.ts).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@minigun/core';
import { forkStrategies, type ForkStrategyOptions } from '@minigun/strategy-fork';
import { describe, expect, it } from 'vitest';
import { crashing, exitListeners, forkView, preloadThrows, serverKiller, sharing, type Seen } from './fixtures/forkserver.mjs';
import { withInterval } from './fixtures/forkserver-interval.mjs';
import { withThread } from './fixtures/forkserver-thread.mjs';
import { childrenOf, expectAccounting, itemErrors, sorted } from './util.ts';

const registry = (options: ForkStrategyOptions): Registry => new Registry().use(forkStrategies(options));

/** Zombie (defunct) children of this process. */
function zombies(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[0] === 'Z' && Number(fields[1]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('cow-fork start: forkserver', () => {
  it("'auto' picks the fork server here; children are forked from it, share its preload, and are processes of their own", async () => {
    const before = childrenOf();
    const r = await forkView.run({ state: { count: 12 }, registry: registry({}) });
    expect(r.status).toBe('completed');
    expectAccounting(r);
    const details = r.stats.stages.see!.strategyDetails as { start: string; serverPid: number };
    expect(details.start).toBe('forkserver');
    const seen = r.collected.seen as Seen[];
    expect(sorted(seen.map((s) => s.n))).toEqual([...Array(12).keys()]);
    for (const s of seen) {
      expect(s.ppid).toBe(details.serverPid); // forked by the server
      expect(s.preloadedBy).toBe(details.serverPid); // the preload ran there, once, before any fork
      expect(s.preloads).toBe(1);
      expect(s.row).toBe(s.n * 2);
    }
    expect(new Set(seen.map((s) => s.pid)).size).toBe(12); // a fresh process per input, with its own pid
    expect(new Set(seen.map((s) => s.random)).size).toBe(12); // Math.random reseeded in each child
    expect(sorted((r.collected.afterFork as { pid: number }[]).map((a) => a.pid))).toEqual(sorted(seen.map((s) => s.pid)));
    expect(childrenOf().filter((p) => !before.includes(p))).toEqual([]);
    expect(zombies()).toEqual([]);
  }, 60_000);

  it('children share what preload loaded: their private memory together stays under one child’s resident size', async () => {
    const r = await sharing.run({ registry: registry({ start: 'forkserver' }) });
    expect(r.status).toBe('completed');
    const memory = r.collected.memory as { privateDirtyKb: number; rssKb: number }[];
    expect(memory).toHaveLength(4);
    const privateKb = memory.reduce((sum, m) => sum + m.privateDirtyKb, 0);
    // Each child maps the 40 MB table (in its Rss) but has copied almost nothing of it.
    for (const m of memory) expect(m.rssKb).toBeGreaterThan(40_000);
    expect(privateKb).toBeLessThan(memory[0]!.rssKb);
  }, 60_000);

  it('spawn runs the same pipeline, each child running the preload itself', async () => {
    const r = await forkView.run({ state: { count: 4 }, registry: registry({ start: 'spawn' }) });
    expect(r.status).toBe('completed');
    expect(r.stats.stages.see!.strategyDetails).toEqual({ start: 'spawn' });
    for (const s of r.collected.seen as Seen[]) expect(s.preloadedBy).toBe(s.pid);
  }, 60_000);

  it("a forked child runs its process 'exit' listeners when it leaves, as a spawned child does (exit code 0)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-fs-exit-'));
    try {
      const r = await exitListeners.run({ state: { count: 6, dir }, registry: registry({ start: 'forkserver' }) });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      expect((r.stats.stages.work!.strategyDetails as { start: string }).start).toBe('forkserver');
      const pids = r.collected.pids as number[];
      expect(new Set(pids).size).toBe(6);
      expect(readdirSync(dir).sort()).toEqual(pids.map((pid) => `exit-${pid}`).sort());
      for (const pid of pids) expect(readFileSync(join(dir, `exit-${pid}`), 'utf8')).toBe('0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a child killed by a signal or exiting with a code fails its input only, with the cause; the others run', async () => {
    const inputs = [1, 'kill', 2, 'exit', 3, 4];
    const r = await crashing.run({ state: { inputs }, registry: registry({ start: 'forkserver' }) });
    expect(r.status).toBe('completed');
    expectAccounting(r);
    expect(sorted(r.collected.done as number[])).toEqual([1, 2, 3, 4]);
    const messages = itemErrors(r).map((e) => e.message);
    expect(messages).toHaveLength(2);
    expect(messages.some((m) => m.includes('was killed by SIGKILL'))).toBe(true);
    expect(messages.some((m) => m.includes('exited with code 3'))).toBe(true);
    expect(zombies()).toEqual([]);
  }, 60_000);

  it('the fork server killed mid-run: its running children finish, a new server forks the rest, the run completes', async () => {
    const r = await serverKiller.run({ state: { count: 8, killServerAt: 2, ms: 300 }, registry: registry({ start: 'forkserver' }) });
    expect(r.status).toBe('completed');
    expectAccounting(r);
    const stage = r.stats.stages.work!;
    expect((stage.strategyDetails as { serverRestarts: number }).serverRestarts).toBeGreaterThanOrEqual(1);
    // Every input is done, or failed with an error that says its server died.
    expect(stage.done + stage.failed).toBe(8);
    for (const e of itemErrors(r)) expect(e.message).toMatch(/fork server/);
    const servers = new Set((r.collected.done as { ppid: number }[]).map((d) => d.ppid));
    expect(servers.size).toBeGreaterThanOrEqual(2);
    expect(zombies()).toEqual([]);
  }, 60_000);

  it('a preload that throws: no input runs, each fails with the hook’s error (both start methods)', async () => {
    for (const start of ['forkserver', 'spawn'] as const) {
      const r = await preloadThrows.run({ registry: registry({ start }) });
      expect(r.status).toBe('completed');
      expect(r.collected.ran).toBeUndefined();
      const errors = itemErrors(r);
      expect(errors).toHaveLength(3);
      for (const e of errors) expect(e.message).toContain('The preload hook of stage "work" (pipeline "fs-preload-throws") threw: the lookup table is missing');
    }
  }, 60_000);

  it('a module that starts a worker thread at import: refused with forkserver, spawned with auto and spawn', async () => {
    const refused = await withThread.run({ registry: registry({ start: 'forkserver' }) });
    const errors = itemErrors(refused);
    expect(errors).toHaveLength(3);
    for (const e of errors) expect(e.message).toMatch(/cannot use cow-fork's start: 'forkserver': .*thread/);
    const auto = await withThread.run({ registry: registry({}) });
    expect(auto.status).toBe('completed');
    expect(auto.collected.done).toHaveLength(3);
    expect(auto.stats.stages.work!.strategyDetails).toMatchObject({ start: 'spawn', requested: 'auto', reason: expect.stringMatching(/thread/) });
    const spawned = await withThread.run({ registry: registry({ start: 'spawn' }) });
    expect(spawned.collected.done).toHaveLength(3);
  }, 60_000);

  it('a module that starts an interval at import: refused with forkserver, works with spawn', async () => {
    const env = { ...process.env, MINIGUN_FIXTURE_INTERVAL: '1' };
    const refused = await withInterval.run({ registry: registry({ start: 'forkserver', fork: { env } }) });
    for (const e of itemErrors(refused)) expect(e.message).toMatch(/left Timeout open/);
    expect(itemErrors(refused)).toHaveLength(3);
    const spawned = await withInterval.run({ registry: registry({ start: 'spawn', fork: { env } }) });
    expect(spawned.collected.done).toHaveLength(3);
  }, 60_000);
});
