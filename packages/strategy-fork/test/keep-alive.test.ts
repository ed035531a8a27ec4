/**
 * keepAlive for ipc-fork: a strategy instance keeps each stage's children between runs. Each run still
 * gets its own state snapshot and afterFork in every child; module-level variables persist;
 * registry.close() and the idle time end the kept children; a program that never closes still exits by
 * itself, and its children with it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, Registry } from '@minigun/core';
import { cowForkStrategy, forkStrategies, ipcForkStrategy } from '@minigun/strategy-fork';
import { kept, type Forked, type Seen } from './fixtures/keep-alive.ts';
import { minigunChildren } from '@minigun/test-utils';
import { stillAlive, waitFor } from './util.ts';

const pidsOf = (seen: Seen[]): Set<number> => new Set(seen.map((s) => s.pid));

describe('keepAlive (ipc-fork)', () => {
  it('the second run uses the same children, with its own state snapshot and afterFork; module-level variables persist', async () => {
    const registry = new Registry().use(forkStrategies({ keepAlive: true, maxChunk: 1 }));
    try {
      const first = await kept.run({ state: { tag: 'a' }, registry });
      const second = await kept.run({ state: { tag: 'b' }, registry });
      for (const r of [first, second]) {
        expect(r.status).toBe('completed');
        expect(r.errors).toEqual([]);
      }
      const seen1 = first.collected.seen as Seen[];
      const seen2 = second.collected.seen as Seen[];
      for (const pid of pidsOf(seen2)) expect(pidsOf(seen1)).toContain(pid);
      for (const [r, seen, tag] of [
        [first, seen1, 'a'],
        [second, seen2, 'b'],
      ] as const) {
        const forked = r.collected.afterFork as Forked[];
        expect(new Set(forked.map((f) => f.pid))).toEqual(pidsOf(seen));
        for (const f of forked) expect(f).toMatchObject({ tag, touched: false });
        for (const s of seen) expect(s).toMatchObject({ tag, forkedFor: tag });
      }
      for (const s of [...seen1, ...seen2]) expect(s.evaluations).toBe(1);
      const firstCount = (pid: number) => Math.max(...seen1.filter((s) => s.pid === pid).map((s) => s.inputs));
      for (const s of seen2) expect(s.inputs).toBeGreaterThan(firstCount(s.pid));
    } finally {
      await registry.close();
    }
    // (Only Minigun's children count: esbuild, which compiled the module, keeps a service process of its own.)
    expect(minigunChildren()).toEqual([]);
  });

  it('registry.close() ends the kept children: nothing is left, and later runs keep nothing', async () => {
    const registry = new Registry().use(forkStrategies({ keepAlive: { idleMs: 60_000 } }));
    const r = await kept.run({ state: { tag: 'a' }, registry });
    expect(r.status).toBe('completed');
    const pids = [...pidsOf(r.collected.seen as Seen[])];
    await registry.close();
    expect(await stillAlive(pids, 100)).toEqual([]);
    const after = await kept.run({ state: { tag: 'b' }, registry });
    expect(after.status).toBe('completed');
    await waitFor(() => minigunChildren().length === 0, 3000, 'the children of the run after close to exit');
  });

  it('kept children end after idleMs without a run', async () => {
    const registry = new Registry().use({ name: 'kept-ipc', strategies: [ipcForkStrategy({ keepAlive: { idleMs: 100 } })] });
    const r = await kept.run({ state: { tag: 'a' }, registry });
    expect(r.status).toBe('completed');
    expect(await stillAlive(pidsOf(r.collected.seen as Seen[]), 5000)).toEqual([]);
  });

  it('a program that keeps children alive and never calls close still exits by itself, and its children end', async () => {
    const program = fileURLToPath(new URL('./fixtures/keep-alive.ts', import.meta.url));
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const { code, stdout, stderr, exitedAt } = await new Promise<{ code: number | null; stdout: string; stderr: string; exitedAt: number }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', program], {
          cwd: repo,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the program did not exit within 30 s (kept children hold it)\nstdout: ${out}\nstderr: ${err}`));
        }, 30_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve({ code: c, stdout: out, stderr: err, exitedAt: Date.now() });
        });
      },
    );
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { pids: number[][]; doneAt: number };
    for (const pid of r.pids[1]!) expect(r.pids[0]).toContain(pid);
    expect(exitedAt - r.doneAt).toBeLessThan(5000);
    // The children saw their channel close and exited.
    expect(await stillAlive(r.pids.flat(), 5000)).toEqual([]);
  }, 40_000);

  it('validates the option', () => {
    for (const bad of [{ idleMs: -1 }, { idleMs: 'soon' }, { idle: 5 }, 5]) {
      expect(() => ipcForkStrategy({ keepAlive: bad as never }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    }
    expect(() => cowForkStrategy({ keepAlive: true })).toThrow(/keepAlive.*ipc-fork option/s);
    expect(() => forkStrategies({ keepAlive: { idleMs: 1000 } })).not.toThrow();
  });
});
