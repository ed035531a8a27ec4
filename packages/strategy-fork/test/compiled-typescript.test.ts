/**
 * A TypeScript pipeline module is compiled once in the parent: cow-fork and ipc-fork children start without
 * the parent's TypeScript loader flags and import the JavaScript; import.meta.url-relative paths and a
 * workspace package written in TypeScript still work, and stack traces name the .ts line. Where compiling
 * is impossible, children register tsx themselves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, runTypeScriptApp, tempDir, typescriptApp, type AppExit, type TypeScriptApp } from '@minigun/test-utils';

afterAll(cleanupDirs);

const strategies = ['cow-fork', 'ipc-fork'];
const options = { strategies, registryImport: "import { forkStrategies } from '@minigun/strategy-fork';", use: 'forkStrategies()' };

describe('a .ts pipeline module in fork children (parent under node --import tsx)', () => {
  let app: TypeScriptApp;
  let exit: AppExit;
  beforeAll(async () => {
    app = typescriptApp(options);
    exit = await runTypeScriptApp(app, 1, { MINIGUN_CACHE_DIR: tempDir('minigun-ts-cache-'), NODE_OPTIONS: '--import tsx' });
  }, 60_000);

  it('runs to the end with the sibling .ts file and the TypeScript workspace package', () => {
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toBe('');
    expect(exit.runs).toHaveLength(1);
    expect(exit.runs[0]!.status).toBe('completed');
    expect(exit.runs[0]!.out.sort()).toEqual(['#2', '#4']);
  });

  it('children start without TypeScript loader flags (argv and NODE_OPTIONS) and register no loader; import.meta.url-relative reads work', () => {
    const probes = exit.runs[0]!.probes;
    expect(new Set(probes.map((p) => p.stage))).toEqual(new Set(strategies));
    for (const p of probes) {
      expect(p.execArgv.join(' ')).not.toContain('tsx');
      expect(p.nodeOptions).not.toContain('tsx');
      expect(p.tsLoader, `${p.stage}: a TypeScript loader is registered in the child`).toBe(false);
      expect(p.data).toBe('next to main.ts');
      expect(p.sourceMaps).toBe(true);
    }
  });

  it('the stack trace of an error thrown in a child names main.ts and the line of the throw', () => {
    const errors = exit.runs[0]!.errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.stack).toContain(`${app.main}:${app.throwLine}:`);
  });
});

describe('where the module cannot be compiled', () => {
  it('children register tsx themselves and the run completes; the reason is logged once', async () => {
    const app = typescriptApp(options);
    const notADirectory = join(tempDir('minigun-ts-cache-'), 'file');
    writeFileSync(notADirectory, '');
    const exit = await runTypeScriptApp(app, 1, { MINIGUN_CACHE_DIR: notADirectory });
    expect(exit.code, exit.stderr).toBe(0);
    const r = exit.runs[0]!;
    expect(r.status).toBe('completed');
    expect(r.out.sort()).toEqual(['#2', '#4']);
    for (const p of r.probes) {
      expect(p.execArgv.join(' ')).not.toContain('tsx');
      expect(p.tsLoader).toBe(true);
    }
    expect(exit.stderr.split('\n').filter((l) => l.includes('could not be compiled'))).toHaveLength(1);
  });
});
