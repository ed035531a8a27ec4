import { describe, expect, it } from 'vitest';
import { cli, fixture } from './cli';

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
});
