import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { payloadPipelines } from './fixtures/pipelines.mjs';
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
  for (const [strategy, layout] of [
    ['cow-fork', 'private'],
    ['ipc-fork', 'private'],
    ['thread', 'private'],
    ['ipc-fork', 'shared'],
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

describe('signals', () => {
  it('SIGINT to a parent that does not handle it: the run directory is removed before the process ends', async () => {
    const dir = root();
    const run = runParent(['slow', dir, 'cow-fork']);
    await waitFor(() => run.out().includes('ready'), 30_000, `the parent to start (output: ${run.out()})`);
    run.child.kill('SIGINT');
    const { signal } = await run.exited;
    // The process still dies of the signal, as it would have without the transport.
    expect(signal).toBe('SIGINT');
  }, 60_000);

  it('SIGINT under run({ handleSignals: true }): the run is cancelled, closes its sessions, and removes its directory', async () => {
    const dir = root();
    const run = runParent(['slow-handled', dir, 'ipc-fork']);
    await waitFor(() => run.out().includes('ready'), 30_000, `the parent to start (output: ${run.out()})`);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code, run.out()).toBe(0);
    const end = JSON.parse(run.out().trim().split('\n').pop()!) as { status: string; left: string[] };
    expect(end.status).toBe('cancelled');
    expect(end.left).toEqual([]);
  }, 60_000);
});
