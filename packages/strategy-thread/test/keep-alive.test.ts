/**
 * keepAlive: a `thread` strategy instance keeps each stage's pool between runs. Each run still gets its own
 * state snapshot and afterFork in every worker it uses; module-level variables persist; registry.close()
 * and the idle time end the kept workers; a program that never closes still exits by itself.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, Registry } from '@minigun/core';
import { threadPerBatchStrategy, threadStrategies, threadStrategy } from '@minigun/strategy-thread';
import { kept, type Forked, type Seen } from './fixtures/keep-alive.ts';
import { liveWorkerHandles, settledWorkerHandles } from './util.ts';

const workersOf = (seen: Seen[]): Set<string> => new Set(seen.map((s) => s.worker));

describe('keepAlive (thread)', () => {
  it('the second run uses the same workers, with its own state snapshot and afterFork; module-level variables persist', async () => {
    const baseline = liveWorkerHandles();
    const registry = new Registry().use(threadStrategies({ keepAlive: true }));
    try {
      const first = await kept.run({ state: { tag: 'a' }, registry });
      const second = await kept.run({ state: { tag: 'b' }, registry });
      for (const r of [first, second]) {
        expect(r.status).toBe('completed');
        expect(r.errors).toEqual([]);
      }
      const seen1 = first.collected.seen as Seen[];
      const seen2 = second.collected.seen as Seen[];
      // Same threads: every worker of the second run served the first.
      for (const w of workersOf(seen2)) expect(workersOf(seen1)).toContain(w);
      // Each run: afterFork ran in each worker it used, with that run's state; ctx.state is that run's snapshot.
      for (const [r, seen, tag] of [
        [first, seen1, 'a'],
        [second, seen2, 'b'],
      ] as const) {
        const forked = r.collected.afterFork as Forked[];
        expect(new Set(forked.map((f) => f.worker))).toEqual(workersOf(seen));
        for (const f of forked) expect(f).toMatchObject({ tag, touched: false });
        for (const s of seen) expect(s).toMatchObject({ tag, forkedFor: tag });
      }
      // Module-level variables persist: imported once per worker, input counts carry on from the first run.
      for (const s of [...seen1, ...seen2]) expect(s.evaluations).toBe(1);
      const firstCount = (w: string) => Math.max(...seen1.filter((s) => s.worker === w).map((s) => s.inputs));
      for (const s of seen2) expect(s.inputs).toBeGreaterThan(firstCount(s.worker));
    } finally {
      await registry.close();
    }
    expect(await settledWorkerHandles(baseline)).toBe(baseline);
  });

  it('registry.close() ends the kept workers: nothing is left', async () => {
    const baseline = liveWorkerHandles();
    const registry = new Registry().use(threadStrategies({ keepAlive: { idleMs: 60_000 } }));
    const r = await kept.run({ state: { tag: 'a' }, registry });
    expect(r.status).toBe('completed');
    await registry.close();
    expect(await settledWorkerHandles(baseline)).toBe(baseline);
    // Runs after close still work, and keep nothing.
    const after = await kept.run({ state: { tag: 'b' }, registry });
    expect(after.status).toBe('completed');
    expect(await settledWorkerHandles(baseline)).toBe(baseline);
  });

  it('without keepAlive, every run starts new workers', async () => {
    const registry = new Registry().use(threadStrategies());
    const first = await kept.run({ state: { tag: 'a' }, registry });
    const second = await kept.run({ state: { tag: 'b' }, registry });
    const again = [...workersOf(second.collected.seen as Seen[])].filter((w) => workersOf(first.collected.seen as Seen[]).has(w));
    expect(again).toEqual([]);
  });

  it('kept workers end after idleMs without a run', async () => {
    const baseline = liveWorkerHandles();
    const strategy = threadStrategy({ keepAlive: { idleMs: 100 } });
    const registry = new Registry().use({ name: 'kept-thread', strategies: [strategy] });
    expect((await kept.run({ state: { tag: 'a' }, registry })).status).toBe('completed');
    expect(await settledWorkerHandles(baseline, 5000)).toBe(baseline);
  });

  it('a program that keeps workers alive and never calls close still exits by itself', async () => {
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
          reject(new Error(`the program did not exit within 30 s (kept workers hold it)\nstdout: ${out}\nstderr: ${err}`));
        }, 30_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve({ code: c, stdout: out, stderr: err, exitedAt: Date.now() });
        });
      },
    );
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { workers: string[][]; doneAt: number };
    // The second run used the kept workers, and the 60 s idle time did not hold the process.
    for (const w of r.workers[1]!) expect(r.workers[0]).toContain(w);
    expect(exitedAt - r.doneAt).toBeLessThan(5000);
  }, 40_000);

  it('validates the option', () => {
    for (const bad of [{ idleMs: -1 }, { idleMs: 'soon' }, { idle: 5 }, 5, 'yes']) {
      expect(() => threadStrategies({ keepAlive: bad as never }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }));
    }
    expect(() => threadPerBatchStrategy({ keepAlive: true } as never)).toThrow(/keepAlive.*thread-per-batch starts a fresh worker/s);
    expect(() => threadStrategies({ keepAlive: { idleMs: 0 } })).not.toThrow();
  });
});
