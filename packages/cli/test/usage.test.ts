import { describe, expect, it } from 'vitest';
import { cli, fixture } from './cli';

describe('usage errors exit with 2 and say what to do', () => {
  it('an unknown flag', async () => {
    const r = await cli(['run', fixture('numbers.mjs'), '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
    expect(r.stderr).toContain('minigun --help');
    expect(r.stdout).toBe('');
  });

  it('a missing module', async () => {
    const r = await cli(['run', './no/such/module.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Module not found: \S+no\/such\/module\.ts .*Check the path/);
  });

  it('no module at all', async () => {
    const r = await cli(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"minigun run" needs the module');
  });

  it('a module with no pipeline', async () => {
    const r = await cli(['run', fixture('no-pipeline.mjs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-pipeline.mjs exports no pipeline. Export the one to run');
  });

  it('an unknown pipeline name lists the module’s pipelines', async () => {
    const r = await cli(['run', fixture('two-pipelines.mjs'), '--pipeline', 'third']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exports no pipeline named "third". Its pipelines: "first", "second". Pass one of them to --pipeline.');
  });

  it('several pipelines and no --pipeline', async () => {
    const r = await cli(['run', fixture('two-pipelines.mjs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exports several pipelines ("first", "second"). Choose one with --pipeline <name>.');
    const ok = await cli(['run', fixture('two-pipelines.mjs'), '--pipeline', 'second', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ pipeline: 'second', status: 'completed' });
  });

  it('a strategy nobody registered names the package and --use', async () => {
    const r = await cli(['run', fixture('needs-thread.mjs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('strategy "thread", which is not registered');
    expect(r.stderr).toContain('--use <package>');
  });

  it('--hud without a terminal, and a bad --grace', async () => {
    const hud = await cli(['run', fixture('numbers.mjs'), '--hud']);
    expect(hud.code).toBe(2);
    expect(hud.stderr).toContain('--hud needs a terminal');
    const grace = await cli(['run', fixture('numbers.mjs'), '--grace', 'soon']);
    expect(grace.code).toBe(2);
    expect(grace.stderr).toContain('--grace expects a number of milliseconds >= 0, got "soon"');
  });

  it('--use with a package that is no plugin', async () => {
    const r = await cli(['run', fixture('numbers.mjs'), '--use', 'picocolors']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--use picocolors: the package exports no Minigun plugin');
  });

  it('--use with a local TypeScript file loads it through tsx, like pipeline modules', async () => {
    const r = await cli(['run', fixture('needs-local.mjs'), '--use', fixture('local-plugin.ts'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { status: string; collected: { got: number[] } };
    expect(result.status).toBe('completed');
    expect([...result.collected.got].sort((a, b) => a - b)).toEqual([10, 10, 20, 20, 30, 30]);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: minigun run <module> [options]');
  });
});
