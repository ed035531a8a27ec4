/**
 * Lifecycle (nothing left behind): after completed, failed and cancelled runs no child process of ours is
 * left (checked by PID and by scanning /proc for children of this process, spares included) and no file
 * descriptor; children whose parent is SIGKILLed exit by themselves; cancellation mid-run ends with status
 * 'cancelled' and afterRun.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { abortingCow, abortingIpc, slowCow, slowIpc } from './fixtures/lifecycle.mjs';
import {
  childrenOf,
  cleanupDirs,
  expectAccounting,
  extraChildren,
  fdCount,
  files,
  itemErrors,
  pidsIn,
  registry,
  sleep,
  sorted,
  stillAlive,
  tempDir,
  waitFor,
} from './util.ts';

afterAll(cleanupDirs);

const strategies = [
  { name: 'cow-fork', slow: slowCow, aborting: abortingCow },
  { name: 'ipc-fork', slow: slowIpc, aborting: abortingIpc },
] as const;

for (const s of strategies) {
  describe(`${s.name}: no child left`, () => {
    it('after a completed run: every child that ran (afterFork, inputs) and every spare is gone', async () => {
      const baseline = childrenOf();
      const dir = tempDir();
      const r = await s.slow.run({ state: { dir, count: 4, ms: 20 }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out)).toEqual([0, 1, 2, 3]);
      const pids = pidsIn(r, 'forked', 'ran');
      expect(pids.length).toBeGreaterThan(0);
      expect(pids).not.toContain(process.pid);
      expect(await stillAlive(pids, 1500)).toEqual([]);
      expect(await extraChildren(baseline, 1500)).toEqual([]);
    });

    it('after a failed run (onError: abort): status failed, no child left', async () => {
      const baseline = childrenOf();
      const dir = tempDir();
      // ms 3000: an ipc-fork child runs its chunk (here 3 inputs) one after another and reports them together,
      // so the failure of input 1 is known only after input 0's wait.
      const r = await s.aborting.run({ state: { dir, count: 6, ms: 3000, failOn: 1 }, registry: registry(), graceMs: 500 });
      expect(r.status).toBe('failed');
      expect(r.collected.events).toEqual(['afterRun']);
      expect(itemErrors(r).map((e) => e.input)).toContain(1);
      const started = files(dir, 'started-').map((f) => Number(f.split('-')[2]));
      expect(started.length).toBeGreaterThan(0);
      expect(await stillAlive([...started, ...pidsIn(r, 'forked', 'ran')], 3000)).toEqual([]);
      expect(await extraChildren(baseline, 3000)).toEqual([]);
      expectAccounting(r);
    });

    it('cancelled mid-run with an AbortSignal: status cancelled, afterRun ran, in-flight inputs cancelled (not failed), no child left', async () => {
      const baseline = childrenOf();
      const dir = tempDir();
      const controller = new AbortController();
      const running = s.slow.run({ state: { dir, count: 6, ms: 30_000 }, registry: registry(), signal: controller.signal, graceMs: 8000 });
      await waitFor(() => files(dir, 'started-').length >= 2, 15_000, 'two inputs to start in children');
      const started = files(dir, 'started-').map((f) => Number(f.split('-')[2]));
      const abortedAt = Date.now();
      controller.abort();
      const r = await running;
      expect(r.status).toBe('cancelled');
      expect(r.collected.events).toEqual(['afterRun']);
      // The abort reaches ctx.signal in the children: no need to wait for graceMs (8 s) or the timers (30 s).
      expect(Date.now() - abortedAt).toBeLessThan(6000);
      expect(itemErrors(r)).toEqual([]);
      expect(r.stats.stages.work!.cancelled).toBeGreaterThanOrEqual(2);
      expect(r.collected.out).toBeUndefined();
      expectAccounting(r);
      expect(await stillAlive([...started, ...pidsIn(r, 'forked', 'ran')], 3000)).toEqual([]);
      expect(await extraChildren(baseline, 3000)).toEqual([]);
    });
  });
}

describe('file descriptors', () => {
  it('a few cow-fork and ipc-fork runs leave no file descriptor of ours open', async () => {
    const dir = tempDir();
    // A first run of each loads modules and lazily opened handles; measure from there.
    await slowCow.run({ state: { dir, count: 1, ms: 1 }, registry: registry() });
    await slowIpc.run({ state: { dir, count: 1, ms: 1 }, registry: registry() });
    await sleep(200);
    const before = fdCount();
    for (let i = 0; i < 2; i++) {
      const a = await slowCow.run({ state: { dir, count: 2, ms: 1 }, registry: registry() });
      const b = await slowIpc.run({ state: { dir, count: 5, ms: 1 }, registry: registry() });
      expect(a.status).toBe('completed');
      expect(b.status).toBe('completed');
    }
    // Every child had an IPC socket in this process: with a dozen children (spares included), a leak would show.
    let after = fdCount();
    const end = Date.now() + 2000;
    while (after > before + 2 && Date.now() < end) {
      await sleep(50);
      after = fdCount();
    }
    expect(after).toBeLessThanOrEqual(before + 2);
  });
});

describe('orphan safety', () => {
  const parentScript = fileURLToPath(new URL('./fixtures/orphan-parent.ts', import.meta.url));
  const repo = fileURLToPath(new URL('../../../', import.meta.url));

  for (const mode of ['cow', 'ipc'] as const) {
    it(`${mode === 'cow' ? 'cow-fork' : 'ipc-fork'}: when the parent is SIGKILLed mid-run, all its children exit by themselves within a few seconds`, async () => {
      const dir = tempDir();
      const parent = spawn(process.execPath, ['--import', 'tsx', parentScript, mode, dir], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      let stdout = '';
      let stderr = '';
      parent.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<void>((resolve) => parent.on('exit', () => resolve()));
      try {
        await waitFor(() => stdout.includes('\n'), 25_000, `the parent to report its children (stderr: ${stderr})`);
      } catch (error) {
        parent.kill('SIGKILL');
        throw error;
      }
      const report = JSON.parse(stdout.trim().split('\n')[0]!) as { parent: number; children: number[]; started: string[] };
      expect(report.parent).toBe(parent.pid);
      expect(report.children.length).toBeGreaterThanOrEqual(mode === 'cow' ? 3 : 2);
      // The children that run inputs are among those listed.
      for (const f of report.started) expect(report.children).toContain(Number(f.split('-')[2]));
      expect(await stillAlive(report.children, 0)).toEqual(report.children);

      parent.kill('SIGKILL');
      await exited;
      const left = await stillAlive(report.children, 5000);
      // Do not leave them behind if the test fails.
      for (const pid of left) process.kill(pid, 'SIGKILL');
      expect(left, 'children still alive 5 s after their parent was SIGKILLed').toEqual([]);
    }, 40_000);
  }
});
