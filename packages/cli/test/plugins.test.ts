/**
 * `--use <package>` with packages installed in the user's project (not next to the CLI), written into a
 * temporary project's node_modules: what is found, and what a plugin that fails while loading reports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, cli, fixture, tempDir } from './cli';

afterAll(cleanupDirs);

/** A project directory with the given packages in node_modules: name → { file: content }. */
function project(packages: Record<string, Record<string, string | object>>): string {
  const dir = tempDir();
  for (const [name, files] of Object.entries(packages)) {
    for (const [file, content] of Object.entries(files)) {
      const path = join(dir, 'node_modules', name, file);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    }
  }
  return dir;
}

// The `doubling` strategy of fixtures/local-plugin.ts, as plain JavaScript.
const DOUBLING = `export const doublingPlugin = { name: 'doubling', strategies: [{ name: 'doubling', isolated: false,
  createExecutor: (host) => ({ execute: async ({ input }) => { const e = await host.invoke(input); return [...e, ...e]; }, close: async () => undefined }) }] };\n`;

describe('--use with a package of the current project', () => {
  it('a package whose exports do not include ./package.json is found and used', async () => {
    const cwd = project({
      'minigun-doubling': { 'package.json': { name: 'minigun-doubling', type: 'module', exports: { '.': './index.js' } }, 'index.js': DOUBLING },
    });
    const r = await cli(['run', fixture('needs-local.mjs'), '--use', 'minigun-doubling', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { collected: { got: number[] } };
    expect([...result.collected.got].sort((a, b) => a - b)).toEqual([10, 10, 20, 20, 30, 30]);
  });

  it('a package that is not installed is a usage error saying to install it', async () => {
    const r = await cli(['run', fixture('needs-local.mjs'), '--use', 'minigun-not-installed'], { cwd: project({}) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--use minigun-not-installed: cannot find the package from');
    expect(r.stderr).toContain('Install it (npm install minigun-not-installed).');
  });

  it('a register entry that throws while loading: exit 1 with its error, not "no plugin"', async () => {
    const cwd = project({
      'minigun-broken': {
        'package.json': { name: 'minigun-broken', type: 'module', exports: { '.': './index.js', './register': './register.js' } },
        'index.js': 'export const version = 1;\n',
        'register.js': "throw new Error('MINIGUN_BROKEN_TOKEN is not set');\n",
      },
    });
    const r = await cli(['run', fixture('needs-local.mjs'), '--use', 'minigun-broken'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/minigun: --use: importing minigun-broken\/register \(\S+register\.js\) failed:\nError: MINIGUN_BROKEN_TOKEN is not set/);
    expect(r.stderr).not.toContain('exports no Minigun plugin');
  });

  it('a plugin file that throws while loading: exit 1 with its error, not an internal error', async () => {
    const cwd = project({});
    writeFileSync(join(cwd, 'plugin.mjs'), "throw new Error('plugin needs a licence key');\n");
    const r = await cli(['run', fixture('needs-local.mjs'), '--use', './plugin.mjs'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/minigun: --use \.\/plugin\.mjs: importing \S+plugin\.mjs failed:\nError: plugin needs a licence key/);
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('--state that cannot be read says why', () => {
  it.each([
    ['a missing file', 'missing.json', 'ENOENT'],
    ['a directory', '.', 'EISDIR'],
  ])('%s', async (_what, file, code) => {
    const r = await cli(['run', fixture('numbers.mjs'), '--state', file], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`--state: cannot read \\S+ \\(${code}\\)\\. Give the path of a JSON file`));
  });
});
