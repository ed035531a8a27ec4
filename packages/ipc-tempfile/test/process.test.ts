import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { listenerPipelines, payloadPipelines } from './fixtures/pipelines.mjs';
import { codeOf, expectNothingLeft, itemErrors, registry, root, scratch, waitFor } from './util';

afterEach(expectNothingLeft);

const parentScript = fileURLToPath(new URL('./fixtures/run-parent.mjs', import.meta.url));

/** Runs run-parent.mjs in a shell (so that `prefix` can set limits first); resolves with its exit and output. */
function runParent(
  args: string[],
  prefix = '',
): { child: ReturnType<typeof spawn>; out: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn('sh', ['-c', `${prefix}exec "$0" "$@"`, process.execPath, parentScript, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => out, exited };
}

/** Whether this machine lets us mount a small tmpfs (root in a container that allows it). */
function canMountTmpfs(): boolean {
  const dir = scratch();
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
  if (ok) spawnSync('umount', [dir]);
  return ok;
}

describe('disk full', () => {
  // Shared files load proper-lockfile, which installs signal-exit: its SIGXFSZ listener would kill a child
  // process at the limit rather than let the write fail; in a worker thread no signal listener ever runs.
  for (const [strategy, layout] of [
    ['cow-fork', 'private'],
    ['ipc-fork', 'private'],
    ['thread', 'private'],
    ['cow-fork', 'shared'],
    ['ipc-fork', 'shared'],
    ['thread', 'shared'],
  ] as const) {
    it(`${strategy} (${layout} files): a file-size limit hit while writing fails the inputs with an error naming the path; the run ends, nothing left`, async () => {
      const dir = root();
      // ulimit -f counts 512-byte blocks: 1 MiB, below the 2 MB records. Node ignores SIGXFSZ: writes fail with EFBIG.
      const run = runParent(['payloads', dir, strategy, layout], 'ulimit -f 2048; ');
      const { code } = await run.exited;
      expect(code, run.out()).toBe(0);
      const result = JSON.parse(run.out().trim().split('\n').pop()!) as {
        status: string;
        got: number;
        errors: Array<{ kind: string; code: string; message: string }>;
      };
      expect(result.status).toBe('completed');
      expect(result.got).toBe(0);
      expect(result.errors).toHaveLength(3);
      for (const e of result.errors) {
        expect(e.code).toBe(ErrorCodes.TRANSPORT);
        expect(e.message).toContain(dir);
        expect(e.message).toMatch(/file size limit|larger disk/);
      }
    }, 60_000);
  }

  // Mounting needs root and a container that allows it; where it does not, the ulimit cases above still cover a full disk.
  it.skipIf(!canMountTmpfs())(
    'cow-fork: a full tmpfs (ENOSPC) fails the inputs with an error naming the path; the run ends, nothing left',
    async () => {
      const small = join(scratch(), 'tmpfs');
      mkdirSync(small);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]).status).toBe(0);
      try {
        const r = await payloadPipelines['cow-fork'].run({ registry: registry({ dir: small }), state: { count: 3, per: 1, bytes: 2 << 20, root: small } });
        expect(r.status).toBe('completed');
        const errors = itemErrors(r);
        expect(errors).toHaveLength(3);
        for (const e of errors) {
          expect(codeOf(e)).toBe(ErrorCodes.TRANSPORT);
          expect(e.message).toContain('ENOSPC');
          expect(e.message).toContain(small);
        }
        expect(readdirSync(small)).toEqual([]);
      } finally {
        spawnSync('umount', [small]);
      }
    },
    60_000,
  );
});

describe('SIGXFSZ', () => {
  for (const strategy of ['ipc-fork', 'cow-fork'] as const) {
    it(`${strategy} (shared file): the writer's SIGXFSZ listener is there while it writes and gone once it is closed`, async () => {
      const dir = root();
      const notes = scratch();
      const r = await listenerPipelines[strategy].run({
        registry: registry({ dir, shared: true, batchBytes: 1 }),
        state: { count: 6, dir: notes, signals: [] },
      });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      if (strategy === 'ipc-fork') {
        // One persistent child: from its first append on, signal-exit's listener (installed with proper-lockfile) and the writer's.
        const counts = (r.collected.xfsz as Array<{ count: number }>).map((x) => x.count);
        expect(Math.max(...counts)).toBe(2);
      }
      // Each child, when it exited (after the runtime closed the writer): only signal-exit's listener is left.
      const exits = readdirSync(notes).filter((f) => f.startsWith('exit-'));
      expect(exits.length).toBeGreaterThan(0);
      for (const f of exits) expect(readFileSync(join(notes, f), 'utf8'), f).toBe('1');
    }, 60_000);
  }

  for (const strategy of ['thread', 'thread-per-batch'] as const) {
    it(`${strategy} (shared file): no SIGXFSZ listener is added in worker threads, where signal listeners never run`, async () => {
      const dir = root();
      const r = await listenerPipelines[strategy].run({
        registry: registry({ dir, shared: true, batchBytes: 1 }),
        state: { count: 6, dir: scratch(), signals: [] },
      });
      expect(r.status).toBe('completed');
      const counts = (r.collected.xfsz as Array<{ count: number }>).map((x) => x.count);
      expect(counts).toHaveLength(6);
      // At most signal-exit's own listener (inert in a worker thread), never one of the writer's.
      expect(Math.max(...counts)).toBeLessThanOrEqual(1);
    }, 60_000);
  }
});

/** The exit of `run`, or `undefined` when it has not ended within `ms` (it is then SIGKILLed, so that no process outlives the test). */
async function exitWithin(run: ReturnType<typeof runParent>, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([run.exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  clearTimeout(timer);
  if (ended === undefined) {
    run.child.kill('SIGKILL');
    await run.exited;
  }
  return ended;
}

const diedOfSigint = (e: { code: number | null; signal: NodeJS.Signals | null } | undefined): boolean => e?.signal === 'SIGINT' || e?.code === 130;

describe("signals: the transport takes none of the process's signals", () => {
  it('no SIGINT, SIGTERM or SIGHUP listener is added while its sessions are open', async () => {
    const dir = root();
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const before = signals.map((s) => process.listenerCount(s));
    const r = await listenerPipelines.thread.run({ registry: registry({ dir }), state: { count: 4, dir: scratch(), signals: [...signals] } });
    expect(r.status).toBe('completed');
    // Counted by the inline sink in this process while the run (and its transport session) was open.
    const during = r.collected.parentSignalListeners as number[][];
    expect(during).toHaveLength(4);
    for (const counts of during) expect(counts).toEqual(before);
  }, 60_000);

  for (const [other, strategy] of [
    ['none', 'cow-fork'],
    ['signal-exit-like', 'cow-fork'],
    ['signal-exit', 'ipc-fork'],
  ] as const) {
    it(`SIGINT to a parent that does not handle it (other listeners: ${other}, ${strategy}): the process ends by SIGINT`, async () => {
      // The run is killed mid-way: its directory may be left behind (documented), so it lives in a scratch directory.
      const dir = scratch();
      const run = runParent(['slow', dir, strategy, 'private', other]);
      await waitFor(() => run.out().includes('ready'), 30_000, `the parent to start (output: ${run.out()})`);
      run.child.kill('SIGINT');
      const ended = await exitWithin(run, 20_000);
      expect(ended, `the process was still running 20 s after SIGINT (output: ${run.out()})`).toBeDefined();
      expect(diedOfSigint(ended), `ended with ${JSON.stringify(ended)} (output: ${run.out()})`).toBe(true);
    }, 60_000);
  }

  for (const other of ['none', 'signal-exit-like'] as const) {
    it(`SIGINT under run({ handleSignals: true }) (other listeners: ${other}): the run is cancelled, closes its sessions, and removes its directory`, async () => {
      const dir = root();
      const run = runParent(['slow-handled', dir, 'ipc-fork', 'private', other]);
      await waitFor(() => run.out().includes('ready'), 30_000, `the parent to start (output: ${run.out()})`);
      run.child.kill('SIGINT');
      const ended = await exitWithin(run, 20_000);
      expect(ended?.code, run.out()).toBe(0);
      const end = JSON.parse(run.out().trim().split('\n').pop()!) as { status: string; left: string[] };
      expect(end.status).toBe('cancelled');
      expect(end.left).toEqual([]);
    }, 60_000);
  }

  it('process.exit() in the middle of a run: the run directory is removed on exit', async () => {
    const dir = root();
    const run = runParent(['slow-exit', dir, 'ipc-fork']);
    const ended = await exitWithin(run, 30_000);
    expect(ended?.code, run.out()).toBe(7);
    // expectNothingLeft (afterEach) checks that `dir` is empty.
  }, 60_000);
});
