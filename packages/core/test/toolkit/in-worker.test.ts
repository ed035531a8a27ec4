import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isMain } from '@minigun/core';
import { inMinigunWorker, markMinigunWorker } from '@minigun/core/toolkit';

const WORKER_FLAG = Symbol.for('minigun.worker');
const unmark = (): void => void delete (globalThis as Record<symbol, unknown>)[WORKER_FLAG];

describe('inMinigunWorker', () => {
  afterEach(unmark);

  it('is false until markMinigunWorker, true after, for every copy of core (a global flag)', () => {
    expect(inMinigunWorker()).toBe(false);
    markMinigunWorker();
    expect(inMinigunWorker()).toBe(true);
    expect((globalThis as Record<symbol, unknown>)[WORKER_FLAG]).toBe(true);
  });
});

describe('isMain(import.meta), against process.argv[1]', () => {
  const saved = process.argv;
  const withEntry = (entry: string | undefined): void => {
    process.argv = [saved[0]!, ...(entry === undefined ? [] : [entry])];
  };
  afterEach(() => {
    process.argv = saved;
    unmark();
  });

  it('is true for the module started as the entry point', () => {
    withEntry('/srv/app/main.mjs');
    expect(isMain({ url: pathToFileURL('/srv/app/main.mjs').href })).toBe(true);
    withEntry('/srv/app/with space/main.js');
    expect(isMain({ url: pathToFileURL('/srv/app/with space/main.js').href })).toBe(true);
  });

  it('is false for any other module', () => {
    withEntry('/srv/app/main.mjs');
    expect(isMain({ url: pathToFileURL('/srv/app/lib.mjs').href })).toBe(false);
    expect(isMain({ url: pathToFileURL('/srv/other/main.mjs').href })).toBe(false);
    expect(isMain({ url: pathToFileURL('/srv/app/main.mjs.bak').href })).toBe(false);
  });

  it('is true when the entry was given without its extension (node main)', () => {
    withEntry('/srv/app/main');
    expect(isMain({ url: pathToFileURL('/srv/app/main.js').href })).toBe(true);
  });

  it('is false when there is no entry script (node -e, the REPL)', () => {
    withEntry(undefined);
    expect(isMain({ url: pathToFileURL('/srv/app/main.mjs').href })).toBe(false);
  });

  it('is false inside a Minigun worker, even for the entry point', () => {
    withEntry('/srv/app/main.mjs');
    markMinigunWorker();
    expect(isMain({ url: pathToFileURL('/srv/app/main.mjs').href })).toBe(false);
    expect(isMain({ filename: '/srv/app/main.mjs', id: '.' })).toBe(false);
  });
});

/**
 * Real programs started with node, in ESM and CommonJS, importing the built core: the entry prints what
 * isMain says for it and for a module it imports. Each directory's package.json gives the module type of
 * its .js files.
 */
describe('isMain in a real program', () => {
  const core = fileURLToPath(new URL('../../dist/', import.meta.url));
  let dir: string;
  const run = async (cwd: string, entry: string): Promise<string> =>
    (await promisify(execFile)(process.execPath, [entry], { cwd, timeout: 15_000 })).stdout.trim().split('\n').sort().join(' ');

  beforeAll(() => {
    if (!existsSync(join(core, 'index.cjs'))) throw new Error(`Build @minigun/core first: ${core} has no index.cjs.`);
    dir = mkdtempSync(join(tmpdir(), 'minigun-ismain-'));
    const esm = `import { isMain } from ${JSON.stringify(pathToFileURL(join(core, 'index.js')).href)};`;
    const cjs = `const { isMain } = require(${JSON.stringify(join(core, 'index.cjs'))});`;
    mkdirSync(join(dir, 'esm'));
    writeFileSync(join(dir, 'esm/package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'esm/lib.js'), `${esm}\nconsole.log('lib ' + isMain(import.meta));\n`);
    writeFileSync(join(dir, 'esm/app.js'), `${esm}\nimport './lib.js';\nconsole.log('app ' + isMain(import.meta));\n`);
    writeFileSync(join(dir, 'esm/app.mjs'), `${esm}\nimport './lib.js';\nconsole.log('app ' + isMain(import.meta));\n`);
    symlinkSync(join(dir, 'esm/app.js'), join(dir, 'esm/bin.js'));
    mkdirSync(join(dir, 'cjs'));
    writeFileSync(join(dir, 'cjs/package.json'), '{ "type": "commonjs" }\n');
    writeFileSync(join(dir, 'cjs/lib.js'), `${cjs}\nconsole.log('lib ' + isMain(module));\n`);
    writeFileSync(join(dir, 'cjs/app.js'), `${cjs}\nrequire('./lib.js');\nconsole.log('app ' + isMain(module));\n`);
    writeFileSync(join(dir, 'cjs/app.cjs'), `${cjs}\nrequire('./lib.js');\nconsole.log('app ' + isMain(module));\n`);
    symlinkSync(join(dir, 'cjs/app.js'), join(dir, 'cjs/bin.js'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ESM: node app.mjs and node app.js', async () => {
    expect(await run(join(dir, 'esm'), 'app.mjs')).toBe('app true lib false');
    expect(await run(join(dir, 'esm'), 'app.js')).toBe('app true lib false');
  });

  it('ESM: node app (extension omitted)', async () => {
    expect(await run(join(dir, 'esm'), 'app')).toBe('app true lib false');
  });

  it('ESM: started through a symlink (how npm links a package bin)', async () => {
    expect(await run(join(dir, 'esm'), 'bin.js')).toBe('app true lib false');
  });

  it('CommonJS: node app.cjs and node app.js', async () => {
    expect(await run(join(dir, 'cjs'), 'app.cjs')).toBe('app true lib false');
    expect(await run(join(dir, 'cjs'), 'app.js')).toBe('app true lib false');
  });

  it('CommonJS: node app (extension omitted)', async () => {
    expect(await run(join(dir, 'cjs'), 'app')).toBe('app true lib false');
  });

  it('CommonJS: started through a symlink (how npm links a package bin)', async () => {
    expect(await run(join(dir, 'cjs'), 'bin.js')).toBe('app true lib false');
  });
});
