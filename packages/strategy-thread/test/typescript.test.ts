/**
 * TypeScript and JavaScript pipeline modules in workers, and programs that run pipelines: a parent under
 * `node --import tsx`, compiled JavaScript with no loader, an app without tsx, an unguarded top-level
 * run(), and processes that must end by themselves (no worker left alive).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, pipeline } from '@minigun/core';
import { cleanupDirs, itemErrors, registry, sorted, tempDir } from './util.ts';

afterAll(cleanupDirs);

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  exitedAt: number;
}

/** Runs `node ...args` and resolves when it exits; kills it (and fails) after `timeoutMs`. */
function node(args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, exitedAt: Date.now() });
    });
  });
}

const lastJson = <T>(out: string): T => JSON.parse(out.trim().split('\n').at(-1)!) as T;

interface ChildRun {
  status: string;
  out: number[];
  worker: Array<{ isMain: boolean; threadId: number }>;
  errors: string[];
  parentThreadId: number;
  doneAt: number;
}

describe('programs that run pipelines', () => {
  it('a parent under node --import tsx runs a .ts pipeline (with a sibling .ts helper) in thread and thread-per-batch workers, then exits by itself', async () => {
    const exit = await node(['--import', 'tsx', join(fixtures, 'child-run.ts'), 'complete'], repo);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    const r = lastJson<ChildRun>(exit.stdout);
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.out)).toEqual([1, 2, 3, 4, 5, 6].map((n) => n * 3 + 1));
    expect(r.worker).toHaveLength(6);
    for (const w of r.worker) {
      // The module is the program's entry point, yet isMain is false in the workers that import it.
      expect(w.isMain).toBe(false);
      expect(w.threadId).not.toBe(r.parentThreadId);
    }
    // Nothing keeps the process alive once the run resolved (no worker, port or timer left).
    expect(exit.exitedAt - r.doneAt).toBeLessThan(2000);
  });

  it('a program whose run is cancelled while workers spin in busy loops exits by itself', async () => {
    const exit = await node(['--import', 'tsx', join(fixtures, 'child-run.ts'), 'cancel'], repo);
    expect(exit.code).toBe(0);
    const r = lastJson<ChildRun>(exit.stdout);
    expect(r.status).toBe('cancelled');
    expect(r.errors).toEqual([]);
    expect(exit.exitedAt - r.doneAt).toBeLessThan(2000);
  });

  it('compiled JavaScript (.mjs) runs in workers with no loader at all: plain `node compiled.mjs`', async () => {
    const exit = await node([join(fixtures, 'compiled.mjs')], repo);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    const r = lastJson<{ status: string; out: number[]; threads: number[]; loaders: string[]; errors: string[]; parentThreadId: number }>(exit.stdout);
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.out)).toEqual([6, 11, 16, 21]);
    expect(r.threads.every((t) => t !== r.parentThreadId)).toBe(true);
    expect(r.loaders).toEqual(['', '', '', '']); // workers got no loader flags
  });

  it("compiled CommonJS (.cjs, require() of the packages' CJS builds) runs in workers: plain `node compiled.cjs`", async () => {
    const exit = await node([join(fixtures, 'compiled.cjs')], repo);
    expect(exit.code).toBe(0);
    const r = lastJson<{ status: string; out: number[]; threads: number[]; errors: string[]; parentThreadId: number }>(exit.stdout);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('completed');
    expect(sorted(r.out)).toEqual([5, 10, 15, 20]);
    expect(r.threads.every((t) => t !== r.parentThreadId)).toBe(true);
  });

  it("an unguarded top-level run() in a module imported by workers: that stage's inputs fail with a clear error (ERR_MINIGUN_RUN_IN_WORKER as the cause)", async () => {
    const exit = await node(['--import', 'tsx', join(fixtures, 'accidental-run.ts')], repo);
    expect(exit.code).toBe(0);
    const r = lastJson<{ status: string; out: number[]; errors: Array<{ kind: string; stage?: string; message: string; code?: string; causeCode?: string }> }>(
      exit.stdout,
    );
    // The program's own run goes on; the workers' accidental runs are refused, not started.
    expect(r.status).toBe('completed');
    expect(r.out).toEqual([]);
    expect(r.errors).toHaveLength(3);
    for (const e of r.errors) {
      expect(e.kind).toBe('item');
      expect(e.stage).toBe('work');
      expect([e.code, e.causeCode]).toContain(ErrorCodes.RUN_IN_WORKER);
      expect(e.message).toContain('inside an isolated worker');
      expect(e.message).toContain('isMain(import.meta)');
    }
  });

  it('a .ts module that does not export its pipeline: each input fails with an error that names the .ts file (not its compiled copy) and says to export it', async () => {
    const { runUnexported } = (await import('./fixtures/unexported.ts')) as typeof import('./fixtures/unexported.ts');
    const r = await runUnexported(registry());
    const errors = itemErrors(r);
    expect(errors).toHaveLength(2);
    const source = pathToFileURL(join(fixtures, 'unexported.ts')).href;
    for (const e of errors) {
      expect(e.error).toMatchObject({ code: ErrorCodes.WORKER_SETUP, pipeline: 'ts-unexported' });
      expect(e.message).toContain(`A worker imported ${source} (compiled to file:`);
      expect(e.message).toMatch(/unexported\.ts\.[0-9a-f]{16}\.mjs\)/);
      expect(e.message).toContain('no exported pipeline named "ts-unexported"');
      expect(e.message).toContain('Export the pipeline');
    }
  });

  it('an un-awaited top-level run() in a module imported by workers is inert there: the stage runs normally', async () => {
    const exit = await node(['--import', 'tsx', join(fixtures, 'accidental-run.ts')], repo, { MINIGUN_ACCIDENT: 'void' });
    expect(exit.code).toBe(0);
    const r = lastJson<{ status: string; out: number[]; errors: unknown[] }>(exit.stdout);
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    expect(sorted(r.out)).toEqual([2, 4, 6]);
    // Only the program's own run reported: the workers' runs never started.
    expect(exit.stdout.trim().split('\n')).toHaveLength(1);
  });
});

describe('TypeScript loader in workers', () => {
  const outsideTs = async (packageJson: string | undefined) => {
    const dir = tempDir();
    if (packageJson !== undefined) writeFileSync(join(dir, 'package.json'), packageJson);
    const file = join(dir, 'outside.ts');
    writeFileSync(file, 'interface Point { x: number }\nexport const origin: Point = { x: 0 };\n');
    const outside = pipeline('outside-ts', { module: pathToFileURL(file).href }, (p) => {
      p.producer('gen', () => [1]);
      p.processor('work', { strategy: 'thread' }, (n: number) => n);
    });
    const r = await outside.run({ registry: registry() });
    expect(r.status).toBe('completed');
    const errors = itemErrors(r);
    expect(errors).toHaveLength(1);
    return errors[0]!;
  };

  it("a .ts module outside the repository (type: module) is imported through the tsx found from core's location, so ERR_MINIGUN_TS_LOADER is not reached here", async () => {
    const e = await outsideTs('{ "type": "module" }');
    // The TypeScript module was imported (the worker found no pipeline in it), not refused for lack of a loader.
    expect((e.error as { code?: string }).code).toBe(ErrorCodes.WORKER_SETUP);
    expect(e.message).toContain('found no exported pipeline named "outside-ts"');
  });

  it('a .ts module in a package without "type": "module" (Node treats it as CommonJS) is imported through tsx as well', async () => {
    const e = await outsideTs(undefined);
    // Expected as above; a TypeScript syntax error here means the worker loaded the file without transforming it.
    expect(e.message).not.toMatch(/Unexpected identifier|SyntaxError/);
    expect((e.error as { code?: string }).code).toBe(ErrorCodes.WORKER_SETUP);
    expect(e.message).toContain('found no exported pipeline named "outside-ts"');
  });

  it('an installed app without tsx whose pipeline module is .ts: ERR_MINIGUN_TS_LOADER saying to install tsx, and the run does not start', async () => {
    // node_modules with copies (not links: Node would resolve a link to this repository, where tsx is) of
    // the built packages and tinypool, and no tsx anywhere up the tree.
    const app = tempDir('minigun-no-tsx-app-');
    for (const pkg of ['core', 'hooks', 'strategy-thread']) {
      const to = join(app, 'node_modules', '@minigun', pkg);
      mkdirSync(to, { recursive: true });
      cpSync(join(repo, 'packages', pkg, 'package.json'), join(to, 'package.json'));
      cpSync(join(repo, 'packages', pkg, 'dist'), join(to, 'dist'), { recursive: true });
    }
    const tinypool = dirname(createRequire(join(repo, 'packages/strategy-thread/package.json')).resolve('tinypool/package.json'));
    cpSync(tinypool, join(app, 'node_modules', 'tinypool'), { recursive: true });
    cpSync(join(fixtures, 'no-tsx'), app, { recursive: true });
    writeFileSync(join(app, 'package.json'), '{ "type": "module" }\n');

    const exit = await node([join(app, 'main.mjs')], app);
    expect(exit.code).toBe(0);
    const r = lastJson<{
      rejected: boolean;
      code?: string;
      message?: string;
      status?: string;
      out?: number[];
      errors?: Array<{ kind: string; code?: string; message: string }>;
    }>(exit.stdout);
    const reported = r.rejected ? [{ code: r.code, message: r.message! }] : r.errors!;
    expect(reported.length).toBeGreaterThan(0);
    for (const e of reported) {
      expect(e.code).toBe(ErrorCodes.TS_LOADER);
      expect(e.message).toContain('pipeline.ts');
      expect(e.message).toContain('install --save-dev tsx');
    }
    // A run that cannot start (here: a .ts module and no loader) rejects with a coded error and starts no
    // stage, rather than failing every input (docs/semantics.md, "Run status").
    expect(r, 'run() should reject before starting any stage').toMatchObject({ rejected: true });
  });
});
