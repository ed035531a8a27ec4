/**
 * Bad input and faults, for cow-fork and ipc-fork: values that cannot cross, stage errors across
 * the process boundary, children that exit, are SIGKILLed or run out of memory, retries after a death (the
 * dead attempt's emits discarded), a TypeScript module without a loader, a pipeline without `module`.
 * Real child processes, through the public API only.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, pipeline } from '@minigun/core';
import { passCow, passIpc } from './fixtures/integrity.mjs';
import { cloneCow, cloneIpc, dyingCow, dyingCowRetried, dyingIpc, dyingIpcRetried, markerPid, throwingCow, throwingIpc } from './fixtures/faults.mjs';
import { cleanupDirs, codeOf, expectAccounting, files, itemErrors, registry, sorted, tempDir } from './util.ts';

afterAll(cleanupDirs);

type Out = { n: number; tag: string; pid: number };
const outs = (values: unknown[] | undefined): Out[] => (values ?? []) as Out[];
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const strategies = [
  { name: 'cow-fork', clone: cloneCow, throwing: throwingCow, dying: dyingCow, retried: dyingCowRetried },
  { name: 'ipc-fork', clone: cloneIpc, throwing: throwingIpc, dying: dyingIpc, retried: dyingIpcRetried },
] as const;

for (const s of strategies) {
  describe(`${s.name}: values that cannot cross`, () => {
    it('a class instance with methods in state fails every input, naming stage and path and suggesting afterFork; the run completes', async () => {
      const r = await s.clone.run({
        state: {
          mode: 'state',
          db: {
            pool: new (class Pool {
              query(): number {
                return 1;
              }
            })(),
          },
        },
        registry: registry(),
      });
      expect(r.status).toBe('completed');
      expect(r.collected.out).toBeUndefined();
      const errors = itemErrors(r);
      expect(errors).toHaveLength(4);
      for (const e of errors) {
        expect(e.stage).toBe('work');
        expect(codeOf(e)).toBe(ErrorCodes.UNCLONEABLE);
        expect(e.message).toContain('"work"');
        expect(e.message).toContain('state.db.pool');
        expect(e.message).toContain('afterFork');
      }
      expect(r.stats.stages.work!.failed).toBe(4);
      expectAccounting(r);
    });

    it('a function and a net.Socket in state: path state.transform / state.socket', async () => {
      const r1 = await s.clone.run({
        state: {
          mode: 'state',
          transform: function double(n: number) {
            return n * 2;
          },
        },
        registry: registry(),
      });
      expect(r1.status).toBe('completed');
      expect(itemErrors(r1)).toHaveLength(4);
      for (const e of itemErrors(r1)) {
        expect(codeOf(e)).toBe(ErrorCodes.UNCLONEABLE);
        expect(e.message).toMatch(/state\.transform is a function/);
      }
      const socket = new Socket();
      try {
        const r2 = await s.clone.run({ state: { mode: 'state', socket }, registry: registry() });
        expect(itemErrors(r2)).toHaveLength(4);
        for (const e of itemErrors(r2)) {
          expect(codeOf(e)).toBe(ErrorCodes.UNCLONEABLE);
          expect(e.message).toContain('state.socket');
          expect(e.message).toContain('Socket');
          expect(e.message).toContain('afterFork');
        }
      } finally {
        socket.destroy();
      }
    });

    it('a function in one input fails only that input, path "the input.onDone"', async () => {
      const r = await s.clone.run({ state: { mode: 'input' }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out)).toEqual([1, 3, 4]);
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.stage).toBe('work');
      expect(codeOf(errors[0]!)).toBe(ErrorCodes.UNCLONEABLE);
      expect(errors[0]!.message).toContain('the input.onDone');
      expect(errors[0]!.message).toContain('"work"');
      expect(errors[0]!.message).toContain('afterFork');
      expect((errors[0]!.input as { id: number }).id).toBe(2);
      expectAccounting(r);
    });

    it('a class instance emitted in the child fails that input, path named; others arrive', async () => {
      const r = await s.clone.run({ state: { mode: 'emit' }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out)).toEqual([1, 2, 4]);
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(codeOf(errors[0]!)).toBe(ErrorCodes.UNCLONEABLE);
      expect(errors[0]!.message).toContain('the emitted item.client');
      expect(errors[0]!.message).toContain('Client');
      expect(errors[0]!.message).toContain('afterFork');
      expect(errors[0]!.input).toEqual({ id: 3 });
    });

    it('a function collected in the child fails that input, path named', async () => {
      const r = await s.clone.run({ state: { mode: 'collect' }, registry: registry() });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out)).toEqual([1, 2, 4]);
      expect(r.collected.seen).toBeUndefined();
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(codeOf(errors[0]!)).toBe(ErrorCodes.UNCLONEABLE);
      expect(errors[0]!.message).toContain('the value collected under "seen".format');
    });
  });

  describe(`${s.name}: stage errors`, () => {
    it('keeps name, message, stack, code and own fields of a custom error and of a RangeError', async () => {
      const r = await s.throwing.run({ registry: registry() });
      expect(r.status).toBe('completed');
      expect(sorted(r.collected.out)).toEqual([3, 4]);
      const byInput = new Map(itemErrors(r).map((e) => [e.input as number, e]));
      expect(byInput.size).toBe(2);

      const mine = byInput.get(1)!;
      expect(mine.stage).toBe('work');
      expect(mine.message).toContain('mine failed on 1');
      expect(mine.error).toBeInstanceOf(Error);
      expect(mine.error.name).toBe('MyError');
      expect(mine.error.message).toBe('mine failed on 1');
      expect(codeOf(mine)).toBe('E_MINE');
      expect((mine.error as { detail?: unknown }).detail).toBe(42);
      expect(mine.error.stack).toContain('mine failed on 1');
      expect(mine.error.stack).toMatch(/fixtures\/faults\.mjs/);
      expect(mine.attempts).toBe(1);

      const range2 = byInput.get(2)!;
      expect(range2.error).toBeInstanceOf(RangeError);
      expect(range2.error.name).toBe('RangeError');
      expect(range2.error.message).toBe('out of range: 2');
      expect(codeOf(range2)).toBe('E_RANGE');
      expect(range2.error.stack).toContain('fixtures/faults.mjs');
      expectAccounting(r);
    });
  });

  describe(`${s.name}: dying children`, () => {
    // ipc-fork with maxChunk 1: a child holds one input at a time, so exactly that one fails.
    const reg = (extra = {}) => registry(s.name === 'ipc-fork' ? { maxChunk: 1, ...extra } : extra);

    it('process.exit(3) fails only its input with ERR_MINIGUN_WORKER_DIED "exited with code 3"; the run completes, nothing of the dead attempt is delivered', async () => {
      const dir = tempDir();
      const r = await s.dying.run({ state: { dir, count: 4, dieOn: [2], how: 'exit', once: false }, registry: reg() });
      expect(r.status).toBe('completed');
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.input).toBe(2);
      expect(errors[0]!.stage).toBe('work');
      expect(codeOf(errors[0]!)).toBe(ErrorCodes.WORKER_DIED);
      expect(errors[0]!.message).toContain('exited with code 3');
      const out = outs(r.collected.out);
      expect(sorted(out.filter((o) => o.tag === 'done').map((o) => o.n))).toEqual([0, 1, 3]);
      expect(sorted(out.filter((o) => o.tag === 'before-death').map((o) => o.n))).toEqual([0, 1, 3]);
      expect(((r.collected.attempt ?? []) as Out[]).some((a) => a.n === 2)).toBe(false);
      expect(r.stats.stages.work!.failed).toBe(1);
      expect(r.stats.stages.work!.done).toBe(3);
      expectAccounting(r);
    });

    it('a child SIGKILLed mid-input fails only that input; the error names SIGKILL', async () => {
      const dir = tempDir();
      const r = await s.dying.run({ state: { dir, count: 6, dieOn: [4], how: 'kill', once: false }, registry: reg() });
      expect(r.status).toBe('completed');
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.input).toBe(4);
      expect(codeOf(errors[0]!)).toBe(ErrorCodes.WORKER_DIED);
      expect(errors[0]!.message).toContain('SIGKILL');
      expect(
        sorted(
          outs(r.collected.out)
            .filter((o) => o.tag === 'done')
            .map((o) => o.n),
        ),
      ).toEqual([0, 1, 2, 3, 5]);
      expect(outs(r.collected.out).some((o) => o.n === 4)).toBe(false);
      expectAccounting(r);
    });

    it('a child that runs out of memory (--max-old-space-size=32) fails only its input; the run completes', async () => {
      const dir = tempDir();
      const r = await s.dying.run({
        state: { dir, count: 4, dieOn: [1], how: 'oom', once: false },
        registry: reg({ fork: { execArgv: ['--max-old-space-size=32'] } }),
      });
      expect(r.status).toBe('completed');
      const errors = itemErrors(r);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.input).toBe(1);
      expect(codeOf(errors[0]!)).toBe(ErrorCodes.WORKER_DIED);
      expect(errors[0]!.message).toMatch(/memory|SIGABRT|code 134/i);
      expect(
        sorted(
          outs(r.collected.out)
            .filter((o) => o.tag === 'done')
            .map((o) => o.n),
        ),
      ).toEqual([0, 2, 3]);
      expectAccounting(r);
    }, 40_000);

    for (const how of ['exit', 'kill'] as const) {
      it(`retries: 1 re-runs an input whose child died (${how}) in a fresh child; its partial emits are discarded, nothing delivered twice`, async () => {
        const dir = tempDir();
        const r = await s.retried.run({ state: { dir, count: 6, dieOn: [1, 4], how, once: true }, registry: reg() });
        expect(r.status).toBe('completed');
        expect(r.errors).toEqual([]);
        const out = outs(r.collected.out);
        // Every input delivers its tagged pre-death emit and its result exactly once.
        expect(sorted(out.filter((o) => o.tag === 'before-death').map((o) => o.n))).toEqual(range(6));
        expect(sorted(out.filter((o) => o.tag === 'done').map((o) => o.n))).toEqual(range(6));
        expect(files(dir, 'die-')).toHaveLength(2);
        for (const n of [1, 4]) {
          const dead = markerPid(dir, n);
          // What was delivered for n came from the second attempt, in another child than the dead one.
          for (const o of out.filter((x) => x.n === n)) expect(o.pid, `input ${n} delivered from the dead child`).not.toBe(dead);
          expect(((r.collected.attempt ?? []) as Out[]).filter((a) => a.n === n)).toHaveLength(1);
        }
        expect(r.stats.stages.work!.retried).toBe(2);
        expect(r.stats.stages.work!.done).toBe(6);
        expect(r.stats.stages.work!.out).toBe(12);
        expectAccounting(r);
      });
    }
  });
}

describe('runs that cannot start', () => {
  it('a pipeline without module whose stage is cow-fork / ipc-fork: run() rejects with ERR_MINIGUN_MODULE_REQUIRED before any stage runs', async () => {
    for (const strategy of ['cow-fork', 'ipc-fork']) {
      const ran: string[] = [];
      const noModule = pipeline(`no-module-${strategy}`, (p) => {
        p.beforeRun(() => void ran.push('beforeRun'));
        p.producer('gen', () => {
          ran.push('gen');
          return [1, 2];
        });
        p.processor('work', { strategy }, (n: number) => n);
        p.consumer('sink', () => void ran.push('sink'));
      });
      const err = await noModule.run({ registry: registry() }).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(err, `${strategy}: run() should reject`).toBeInstanceOf(Error);
      expect(err!.code).toBe(ErrorCodes.MODULE_REQUIRED);
      expect(err!.message).toContain('"work"');
      expect(err!.message).toContain('import.meta.url');
      expect(ran).toEqual([]);
    }
  });
});

describe('a TypeScript module without a loader', () => {
  const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
  const repo = fileURLToPath(new URL('../../../', import.meta.url));

  /** An installed app (copies of the built packages, no tsx anywhere up its tree) running a .ts module in children. */
  const runApp = async (strategy: string) => {
    const app = tempDir('minigun-fork-no-tsx-app-');
    for (const pkg of ['core', 'hooks', 'strategy-fork']) {
      const to = join(app, 'node_modules', '@minigun', pkg);
      mkdirSync(to, { recursive: true });
      cpSync(join(repo, 'packages', pkg, 'package.json'), join(to, 'package.json'));
      cpSync(join(repo, 'packages', pkg, 'dist'), join(to, 'dist'), { recursive: true });
    }
    cpSync(join(fixtures, 'no-tsx'), app, { recursive: true });
    writeFileSync(join(app, 'package.json'), '{ "type": "module" }\n');
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(app, 'main.mjs'), strategy], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the app did not exit within 20 s\nstdout: ${out}\nstderr: ${err}`));
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout: out, stderr: err });
      });
    });
    expect(code, stderr).toBe(0);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      rejected: boolean;
      code?: string;
      message?: string;
      status?: string;
      errors?: Array<{ kind: string; code?: string; message: string }>;
    };
  };

  for (const strategy of ['cow-fork', 'ipc-fork']) {
    it(`${strategy}: the error is ERR_MINIGUN_TS_LOADER, names the module and says to install tsx`, async () => {
      const r = await runApp(strategy);
      const reported = r.rejected ? [{ code: r.code, message: r.message! }] : r.errors!;
      expect(reported.length).toBeGreaterThan(0);
      for (const e of reported) {
        expect(e.code).toBe(ErrorCodes.TS_LOADER);
        expect(e.message).toContain('pipeline.ts');
        expect(e.message).toContain('install --save-dev tsx');
      }
    });

    it(`${strategy}: run() rejects before starting any stage (a .ts module with no loader is a run that cannot start)`, async () => {
      const r = await runApp(strategy);
      expect(r, 'run() should reject with ERR_MINIGUN_TS_LOADER instead of failing every input').toMatchObject({ rejected: true, code: ErrorCodes.TS_LOADER });
    });
  }
});

describe('a child that cannot be started', () => {
  // A launcher is public API (ForkStrategyOptions.launcher); this one starts a program that does not exist,
  // which fails the spawn itself, as EAGAIN does when the system has no processes left.
  const launcher = {
    start: () => spawn(join(tempDir(), 'no-such-node'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  };
  for (const [name, p] of [
    ['cow-fork', passCow],
    ['ipc-fork', passIpc],
  ] as const) {
    it(`${name}: each input fails with the spawn error, not "pid -1 exited with code -2"`, async () => {
      const r = await p.run({ state: { items: [1, 2, 3] }, registry: registry({ launcher, spares: 0 }) });
      expect(r.status).toBe('completed');
      const errors = itemErrors(r);
      expect(errors).toHaveLength(3);
      for (const e of errors) {
        expect(codeOf(e)).toBe(ErrorCodes.WORKER_DIED);
        expect(e.message).toMatch(/^A child process of stage "work" \(pipeline "pass-(cow|ipc)"\) could not be started \(spawn .*ENOENT/);
        expect(e.message).not.toMatch(/process -1 |code -\d/);
      }
      expectAccounting(r);
    });
  }
});
