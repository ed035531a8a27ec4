/**
 * The packaging checks themselves: check-packages catches what it claims to catch (on a scratch workspace
 * that breaks each rule), and changeset-status passes in the checkouts CI may have (a fresh clone of main,
 * a detached clone without a local main, a shallow clone).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../scripts/workspace.mjs';

const exec = promisify(execFile);
const scripts = join(import.meta.dirname, '../scripts');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NX_|VITEST|NODE_OPTIONS$|MINIGUN_)/i.test(key)));
const scratchDirs: string[] = [];

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

async function node(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, args, { cwd: options.cwd, env: options.env ?? env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function write(file: string, content: string | object): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe('check-packages', () => {
  it('fails on a workspace that breaks each rule, naming the file or field', async () => {
    const ws = scratch('minigun-check-');
    write(join(ws, 'package.json'), { name: 'ws', private: true, workspaces: ['packages/*'] });
    // @minigun/core: public and well-formed, except that its src imports a sibling and a package it does not declare.
    write(join(ws, 'packages/core/package.json'), {
      name: '@minigun/core',
      version: '1.0.0',
      license: 'MIT',
      repository: { type: 'git', url: 'git+https://example.invalid/x.git', directory: 'packages/core' },
      engines: { node: '>=20' },
      publishConfig: { access: 'public' },
      files: ['dist'],
      sideEffects: false,
      exports: {
        '.': { import: { types: './dist/index.d.ts', default: './dist/index.js' }, require: { types: './dist/index.d.cts', default: './dist/index.cjs' } },
      },
    });
    write(join(ws, 'packages/core/LICENSE'), 'MIT');
    write(
      join(ws, 'packages/core/src/index.ts'),
      "import { x } from '@minigun/hooks';\nimport type { Y } from 'lodash';\nimport { readFileSync } from 'node:fs';\nimport os from 'os';\n// import 'in-a-comment';\nexport const s = \"import 'in-a-string'\";\nexport { x, readFileSync, os, type Y };\n",
    );
    write(join(ws, 'packages/hooks/package.json'), { name: '@minigun/hooks', version: '1.0.0', private: true });
    // A plugin with core as a direct dependency, `default` before `types`, no register side effect, no LICENSE.
    write(join(ws, 'packages/strategy-x/package.json'), {
      name: '@minigun/strategy-x',
      version: '1.0.0',
      license: 'MIT',
      engines: { node: '>=20' },
      publishConfig: { access: 'public' },
      files: ['dist', 'bin/x.js'],
      bin: { x: './dist/cli.js', y: './bin/y.js', z: './bin/x.js', w: './bin/missing.js' },
      sideEffects: false,
      dependencies: { '@minigun/core': '1.0.0', '@minigun/hooks': '1.0.0' },
      exports: {
        '.': { import: { default: './dist/index.js', types: './dist/index.d.ts' }, require: { types: './dist/index.d.cts', default: './dist/index.cjs' } },
        './register': {
          import: { types: './dist/register.d.ts', default: './dist/register.js' },
          require: { types: './dist/register.d.cts', default: './dist/register.cjs' },
        },
      },
    });
    write(join(ws, 'packages/strategy-x/bin/y.js'), '#!/usr/bin/env node\n');
    write(join(ws, 'packages/strategy-x/bin/x.js'), "import '../dist/cli.js';\n");
    write(
      join(ws, 'packages/strategy-x/src/register.ts'),
      "import { defaultRegistry } from '@minigun/core';\nimport('@minigun/nope');\nexport { defaultRegistry };\n",
    );

    const r = await node([join(scripts, 'check-packages.mjs')], { env: { ...env, MINIGUN_WORKSPACE_ROOT: ws } });
    expect(r.code).toBe(1);
    const expected = [
      'packages/core/src/index.ts imports "@minigun/hooks", which packages/core/package.json does not declare in dependencies or peerDependencies.',
      'packages/core/src/index.ts imports "lodash", which packages/core/package.json does not declare in dependencies or peerDependencies.',
      'packages/strategy-x/src/register.ts imports "@minigun/nope", but no workspace package is called @minigun/nope.',
      'packages/strategy-x/package.json: dependencies names @minigun/hooks, which is private (never published)',
      'packages/strategy-x: no LICENSE file',
      'packages/strategy-x/package.json: "repository" needs a url and "directory": "packages/strategy-x".',
      'packages/strategy-x/package.json: exports["."].import should be { "types": …, "default": … } with "types" first',
      'packages/strategy-x/package.json: "sideEffects" should list ./dist/register.js',
      'packages/strategy-x/package.json: "sideEffects" should list ./dist/register.cjs',
      'packages/strategy-x/package.json: @minigun/core belongs in peerDependencies, not dependencies',
      'packages/strategy-x/package.json: a plugin needs "@minigun/core" in peerDependencies.',
      'packages/strategy-x/package.json: bin "x" points into dist (./dist/cli.js), which does not exist at install time',
      'packages/strategy-x/package.json: bin "y" (./bin/y.js) is not in "files"',
      'packages/strategy-x/package.json: bin "z" (./bin/x.js) should start with "#!/usr/bin/env node".',
      'packages/strategy-x/package.json: bin "w" points to ./bin/missing.js, which does not exist.',
      'packages/strategy-x/package.json: bin "w" (./bin/missing.js) is not in "files"',
    ];
    for (const line of expected) expect(r.stderr).toContain(line);
    expect(r.stderr).toContain(`check-packages: ${expected.length} problem(s):`);
    // Built-ins, comments and strings are not imports; private packages are not checked as publishable.
    expect(r.stderr).not.toMatch(/node:fs|"os"|in-a-comment|in-a-string|packages\/hooks/);
  });
});

describe('changeset-status in the checkouts CI may have', () => {
  async function clone(args: string[]): Promise<string> {
    const dir = join(scratch('minigun-clone-'), 'repo');
    await exec('git', ['clone', '--quiet', ...args, `file://${root}`, dir], { env });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  }

  it('a fresh clone on main, a detached clone without a local main, and a shallow detached clone: all pass', async () => {
    const full = await clone([]);
    await exec('git', ['checkout', '--quiet', '-B', 'main'], { cwd: full, env }); // the clone of main CI gets
    const onMain = await node(['tests/pack/scripts/changeset-status.mjs'], { cwd: full });
    expect(onMain.code, onMain.stderr).toBe(0);
    expect(onMain.stdout).toMatch(/^changeset status$/m);

    const detached = await clone([]);
    await exec('git', ['checkout', '--quiet', '--detach'], { cwd: detached, env });
    await exec('git', ['branch', '--quiet', '-D', 'main'], { cwd: detached, env }).catch(() => undefined);
    await exec('git', ['update-ref', 'refs/remotes/origin/main', 'HEAD'], { cwd: detached, env }); // as if main were fetched
    const noMain = await node(['tests/pack/scripts/changeset-status.mjs'], { cwd: detached });
    expect(noMain.code, noMain.stderr).toBe(0);
    expect(noMain.stdout).toContain('changeset status --since=origin/main');

    const shallow = await clone(['--depth', '1', '--single-branch']);
    await exec('git', ['checkout', '--quiet', '--detach'], { cwd: shallow, env });
    for (const ref of ['refs/heads/main', 'refs/remotes/origin/main']) await exec('git', ['update-ref', '-d', ref], { cwd: shallow, env });
    const none = await node(['tests/pack/scripts/changeset-status.mjs'], { cwd: shallow });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('neither main nor origin/main exists here');
  });
});
