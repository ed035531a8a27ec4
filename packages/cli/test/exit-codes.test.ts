import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, cleanupDirs, cli, fixture, tempDir } from './cli';

afterAll(cleanupDirs);

describe('exit codes other than usage errors', () => {
  it('1 when the run fails, with the JSON result still printed', async () => {
    const r = await cli(['run', fixture('aborts.mjs'), '--json']);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { status: string; error: { name: string; message: string } };
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({ name: 'Error', message: 'no twos' });
  });

  it('1 when the run fails, with the report saying why', async () => {
    const r = await cli(['run', fixture('aborts.mjs')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Pipeline aborts: failed');
    expect(r.stdout).toContain('stopped by: no twos');
  });

  it('1 when the module throws while being imported, with its error', async () => {
    const r = await cli(['run', fixture('throws.mjs')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/minigun: Importing \S+throws\.mjs failed:\nError: database URL missing/);
  });

  it('1 when the command is not built: the bin says to build, without a stack trace', () => {
    // The launcher in a package directory without dist/, as in a fresh clone before the build.
    const pkg = tempDir();
    mkdirSync(join(pkg, 'bin'));
    copyFileSync(bin, join(pkg, 'bin/minigun.js'));
    const r = spawnSync(process.execPath, [join(pkg, 'bin/minigun.js'), 'run', fixture('numbers.mjs')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `minigun: the command is not built yet (${join(pkg, 'dist/cli.js')} is missing). Build it first: run "npm run build" at the root of the repository, then run minigun again.\n`,
    );
    expect(r.stdout).toBe('');
  });
});
