/**
 * Custom stages (p.stage) in child processes, through the public API with real children: a reader keeps its
 * own memory across its whole input stream in one child, sees the state snapshot taken after beforeFork,
 * and a child SIGKILLed mid-stream fails the item its reader held (named), fails what nobody can read any
 * more, leaves no process behind and does not hang the run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { dedupCow, dedupIpc } from './fixtures/custom.mjs';
import { cleanupDirs, codeOf, expectAccounting, itemErrors, registry, stillAlive } from './util.ts';

afterAll(cleanupDirs);

for (const [name, p] of [
  ['cow-fork', dedupCow],
  ['ipc-fork', dedupIpc],
] as const) {
  describe(`${name}: a custom stage`, () => {
    it('reads its whole input stream in one child process, keeping its memory across items', async () => {
      const items = [1, 2, 2, 3, 1, 4, 4, 5];
      const r = await p.run({ state: { items }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(r.collected.out).toEqual([1, 2, 3, 4, 5]);
      expect(r.collected.seen).toEqual([5]);
      const [reader] = r.collected.reader as Array<{ pid: number; forkedAt: string | null }>;
      expect(reader!.pid).not.toBe(process.pid);
      expect(reader!.forkedAt).toBe('beforeFork'); // the snapshot was taken after beforeFork ran in the parent
      const s = r.stats.stages.dedup!;
      expect(s).toMatchObject({ in: 8, done: 8, failed: 0, out: 5 });
      expectAccounting(r);
      expect(await stillAlive([reader!.pid])).toEqual([]);
    });

    it('a child SIGKILLed mid-stream fails the item its reader held with the signal, the rest clearly, and leaves nothing behind', async () => {
      const items = Array.from({ length: 12 }, (_, i) => i + 1);
      const started = Date.now();
      const r = await p.run({ state: { items, killOn: 4 }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.collected.out).toEqual([1, 2, 3]);
      const errors = itemErrors(r);
      const died = errors.filter((e) => codeOf(e) === ErrorCodes.WORKER_DIED);
      expect(died).toHaveLength(1);
      expect(died[0]!).toMatchObject({ stage: 'dedup', input: 4 });
      expect(died[0]!.message).toContain('"dedup"');
      expect(died[0]!.message).toContain('SIGKILL');
      // Its only reader is gone: the items it had not read, and those still coming, fail with why.
      const rest = errors.filter((e) => e !== died[0]);
      expect(rest.map((e) => e.input).sort((a, b) => (a as number) - (b as number))).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
      for (const e of rest) expect(codeOf(e)).toBe(ErrorCodes.STAGE_CLOSED);
      expect(r.stats.stages.dedup).toMatchObject({ in: 12, done: 3, failed: 9 });
      expectAccounting(r);
      const [reader] = r.collected.reader as Array<{ pid: number }>;
      expect(await stillAlive([reader!.pid])).toEqual([]);
    });
  });
}
