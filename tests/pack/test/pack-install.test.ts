/**
 * Pack and install, as a user would: `npm pack` every publishable package (after its build), install only
 * @minigun/core, @minigun/hooks (core's dependency) and @minigun/strategy-fork from those tarballs into a
 * scratch project outside the repository, and run plain JavaScript pipelines there (ESM and CJS) as real
 * child processes. No workspace links: if a file is missing from a tarball, an export is wrong, or a package
 * imports something it does not declare, this fails.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishablePackages, root } from '../scripts/workspace.mjs';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');
const INSTALLED = ['@minigun/core', '@minigun/hooks', '@minigun/strategy-fork'];

/** The environment of a user's shell: nothing from npm run, nx or vitest leaks into the scratch project. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NX_|VITEST|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$)/i.test(key)));

let scratch: string;
let app: string;
const tarballs = new Map<string, string>();

async function node(file: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, [file], { cwd: app, env, timeout: 60_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`node ${file} failed in ${app}: ${e.message}\nstdout: ${e.stdout}\nstderr: ${e.stderr}`, { cause: error });
  }
}

/** The last line of a script's stdout, parsed as the JSON report it prints. */
function report(stdout: string): Record<string, unknown> {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`expected a JSON report as the last line of stdout, got:\n${stdout}`);
  }
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'minigun-pack-'));
  const dest = join(scratch, 'tarballs');
  app = join(scratch, 'app');
  mkdirSync(dest);
  mkdirSync(app);
  for (const { dir, rel, manifest } of publishablePackages()) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${rel}/dist is missing: build first (NX_DAEMON=false npx nx run-many -t build)`);
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: dir, env });
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    tarballs.set(manifest.name, join(dest, packed.filename));
  }
  for (const name of INSTALLED) if (!tarballs.has(name)) throw new Error(`${name} was not packed: is it still a publishable workspace package?`);

  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'minigun-pack-app', version: '1.0.0', private: true }, null, 2));
  // The @minigun packages come only from the tarballs (checked below). Their one dependency outside @minigun,
  // core's esbuild (and its platform package), comes from npm's cache when there, else from the registry: a
  // fresh clone's `npm ci` caches tarballs but not the package metadata an install by version range needs.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...INSTALLED.map((name) => tarballs.get(name)!)], {
    cwd: app,
    env,
    timeout: 90_000,
  });
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(app, file));
});

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('packed tarballs installed into a project outside the repository', () => {
  it('the scratch project is outside the repository and has exactly core, hooks and strategy-fork, as real copies', () => {
    expect(relative(root, app).startsWith('..')).toBe(true);
    expect(readdirSync(join(app, 'node_modules/@minigun')).sort()).toEqual(['core', 'hooks', 'strategy-fork']);
    for (const name of INSTALLED) {
      const dir = join(app, 'node_modules', name);
      expect(lstatSync(dir).isSymbolicLink(), `${name} must be installed from its tarball, not linked`).toBe(false);
      expect(realpathSync(dir).startsWith(realpathSync(scratch))).toBe(true);
      for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) {
        expect(existsSync(join(dir, file)), `${name}/${file} is in the tarball`).toBe(true);
      }
    }
    expect(existsSync(join(app, 'node_modules/@minigun/strategy-thread'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/tinypool')), 'tinypool comes only with strategy-thread').toBe(false);
  });

  it('an ESM pipeline (.mjs) runs a cow-fork stage in child processes, registered through @minigun/strategy-fork/register', async () => {
    const { stdout } = await node('cow-fork.mjs');
    const r = report(stdout);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('completed');
    expect(r.core).toBe(new URL(`file://${realpathSync(app)}/node_modules/@minigun/core/dist/index.js`).href);
    expect((r.squares as number[]).sort((a, b) => a - b)).toEqual([1, 4, 9, 16]);
    const pids = r.pids as number[];
    expect(pids).toHaveLength(4);
    expect(pids).not.toContain(r.pid);
    expect(new Set(pids).size, 'cow-fork runs each input in a fresh child').toBe(4);
  });

  it('a CommonJS pipeline (.cjs) runs a cow-fork stage in child processes through require() and a Registry', async () => {
    const { stdout } = await node('cow-fork.cjs');
    const r = report(stdout);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('completed');
    expect(r.core).toBe(join(realpathSync(app), 'node_modules/@minigun/core/dist/index.cjs'));
    expect((r.cubes as number[]).sort((a, b) => a - b)).toEqual([1, 8, 27]);
    const pids = r.pids as number[];
    expect(pids).toHaveLength(3);
    expect(pids).not.toContain(r.pid);
    expect(new Set(pids).size).toBe(3);
  });

  it("asking for strategy 'thread' without @minigun/strategy-thread fails before the run with ERR_MINIGUN_UNKNOWN_STRATEGY naming the package to install", async () => {
    const { stdout } = await node('missing-thread.mjs');
    const r = report(stdout);
    expect(r.importError).toBe('ERR_MODULE_NOT_FOUND');
    expect(r.status, 'the run must not start').toBeUndefined();
    expect(r.code).toBe('ERR_MINIGUN_UNKNOWN_STRATEGY');
    expect(r.message).toContain('Install @minigun/strategy-thread');
    expect(r.message).toContain("import '@minigun/strategy-thread/register'");
    expect(r.message).toContain('"hash"');
  });

  it.each(['one-core.mjs', 'one-core.cjs'])('%s: the entries of @minigun/core share one copy of core (a toolkit error is a MinigunError)', async (file) => {
    const r = report((await node(file)).stdout);
    expect(r.code).toBe('ERR_MINIGUN_UNCLONEABLE');
    expect(r.isMinigunError, 'error instanceof MinigunError across @minigun/core and @minigun/core/toolkit').toBe(true);
  });

  it("the root README's quick start runs as written", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.startsWith('// quickstart.mjs'));
    expect(block, 'README.md has a ```js block starting with // quickstart.mjs').toBeDefined();
    writeFileSync(join(app, 'quickstart.mjs'), block!);
    const { stdout } = await node('quickstart.mjs');
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('completed');
    expect(lines.filter((l) => /^6 words \(child \d+\): to be or not to be$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^4 words \(child \d+\): that is the question$/.test(l))).toHaveLength(1);
    const childPids = lines.slice(0, -1).map((l) => Number(/child (\d+)/.exec(l)?.[1]));
    expect(new Set(childPids).size).toBe(2);
  });
});
