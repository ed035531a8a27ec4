/**
 * A TypeScript pipeline module is compiled once in the parent: thread and thread-per-batch workers import
 * the JavaScript (no TypeScript loader in them), import.meta.url-relative paths and a workspace package
 * written in TypeScript still work, stack traces name the .ts line, the compiled file is reused, and where
 * compiling is impossible the workers fall back to the loader, saying so once.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, runTypeScriptApp, tempDir, typescriptApp, type AppExit, type TypeScriptApp } from '@minigun/test-utils';

afterAll(cleanupDirs);

const strategies = ['thread', 'thread-per-batch'];

describe('a .ts pipeline module in thread workers', () => {
  let app: TypeScriptApp;
  let cache: string;
  let exit: AppExit;
  beforeAll(async () => {
    app = typescriptApp({ strategies, registryImport: "import { threadStrategies } from '@minigun/strategy-thread';", use: 'threadStrategies()' });
    cache = tempDir('minigun-ts-cache-');
    exit = await runTypeScriptApp(app, 2, { MINIGUN_CACHE_DIR: cache });
  }, 60_000);

  it('runs to the end with the sibling .ts file and the TypeScript workspace package, in both runs', () => {
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toBe('');
    expect(exit.runs).toHaveLength(2);
    for (const r of exit.runs) {
      expect(r.status).toBe('completed');
      expect(r.out.sort()).toEqual(['#2', '#4']);
    }
  });

  it('the workers have no TypeScript loader, and import.meta.url-relative reads find the file next to main.ts', () => {
    const probes = exit.runs.flatMap((r) => r.probes);
    expect(new Set(probes.map((p) => p.stage))).toEqual(new Set(strategies));
    for (const p of probes) {
      expect(p.tsLoader, `${p.stage}: a TypeScript loader is registered in the worker`).toBe(false);
      expect(p.execArgv.join(' ')).not.toContain('tsx');
      expect(p.data).toBe('next to main.ts');
      expect(p.sourceMaps).toBe(true);
    }
  });

  it('the stack trace of an error thrown in a worker names main.ts and the line of the throw', () => {
    for (const r of exit.runs) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.message).toContain('thrown in main.ts');
      expect(r.errors[0]!.stack).toContain(`${app.main}:${app.throwLine}:`);
    }
  });

  it('compiles into the cache once: one file, reused by a second process', async () => {
    const dir = join(cache, 'ts');
    const before = readdirSync(dir);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/^main\.ts\.[0-9a-f]{16}\.mjs$/);
    const inode = statSync(join(dir, before[0]!)).ino;
    const again = await runTypeScriptApp(app, 1, { MINIGUN_CACHE_DIR: cache });
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(before);
    expect(statSync(join(dir, before[0]!)).ino).toBe(inode);
  });

  it('a changed module is compiled again', async () => {
    writeFileSync(join(app.dir, 'helper.ts'), 'export function double(n: number): number {\n  return n * 20;\n}\n');
    const changed = await runTypeScriptApp(app, 1, { MINIGUN_CACHE_DIR: cache });
    expect(changed.runs[0]!.out.sort()).toEqual(['#20', '#40']);
    expect(readdirSync(join(cache, 'ts'))).toHaveLength(2);
  });
});

describe('where the module cannot be compiled', () => {
  it('the workers load it through tsx, and the reason is logged once', { timeout: 60_000 }, async () => {
    const app = typescriptApp({ strategies, registryImport: "import { threadStrategies } from '@minigun/strategy-thread';", use: 'threadStrategies()' });
    const notADirectory = join(tempDir('minigun-ts-cache-'), 'file');
    writeFileSync(notADirectory, '');
    const exit = await runTypeScriptApp(app, 2, { MINIGUN_CACHE_DIR: notADirectory });
    expect(exit.code, exit.stderr).toBe(0);
    for (const r of exit.runs) {
      expect(r.status).toBe('completed');
      expect(r.out.sort()).toEqual(['#2', '#4']);
      for (const p of r.probes) expect(p.tsLoader).toBe(true);
    }
    const warnings = exit.stderr.split('\n').filter((l) => l.includes('could not be compiled'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('main.ts');
    expect(warnings[0]).toContain('TypeScript loader');
  });
});
