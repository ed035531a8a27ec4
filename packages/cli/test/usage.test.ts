import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, cli, fixture, stateFile, tempDir } from './cli';

afterAll(cleanupDirs);

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

describe('every option is honoured or refused: none is accepted and then ignored', () => {
  const numbers = fixture('numbers.mjs');

  it.each([
    ['stdout is not a terminal', []],
    ['--json alone prints only the result', ['--json']],
    ['--no-progress', ['--no-progress']],
  ])('--interval where no progress is shown (%s) is a usage error naming the flags it goes with', async (why, flags) => {
    const r = await cli(['run', numbers, ...flags, '--interval', '100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--interval sets how often progress is shown, but this run shows none (${why}).`);
    expect(r.stderr).toContain('It goes with --progress (progress lines, or NDJSON events with --json) or --hud');
    expect(r.stdout).toBe('');
  });

  it('--interval with a progress display is honoured: how many events a run gets follows it', async () => {
    const state = stateFile(tempDir(), { n: 40, ms: 40 }); // 10 rounds of 40 ms on 4 slots: 400 ms at least
    const events = async (interval: string): Promise<number> => {
      const r = await cli(['run', numbers, '--json', '--progress', '--interval', interval, '--state', state]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .trim()
        .split('\n')
        .filter((l) => (JSON.parse(l) as { type: string }).type === 'progress').length;
    };
    expect(await events('100000')).toBe(1); // only the final event
    expect(await events('20')).toBeGreaterThanOrEqual(5);
  });

  it.each([
    [['--interval', '0', '--progress'], '--interval expects a number of milliseconds >= 1, got "0".'],
    [['--interval', 'NaN', '--progress'], '--interval expects a number of milliseconds >= 1, got "NaN".'],
    [['--interval=', '--progress'], '--interval expects a number of milliseconds >= 1, got "".'],
    [['--interval', '0.5', '--progress'], '--interval expects a number of milliseconds >= 1, got "0.5".'],
    [['--interval', '1e10', '--progress'], '--interval 1e10 is too long: at most 2147483647 ms'],
    [['--grace', 'abc'], '--grace expects a number of milliseconds >= 0, got "abc".'],
    [['--grace=-1'], '--grace expects a number of milliseconds >= 0, got "-1".'],
    [['--grace', '-1'], "Option '--grace' argument is ambiguous"],
    [['--grace', 'NaN'], '--grace expects a number of milliseconds >= 0, got "NaN".'],
    [['--grace', 'Infinity'], '--grace expects a number of milliseconds >= 0, got "Infinity".'],
    [['--grace', '3000000000'], '--grace 3000000000 is too long: at most 2147483647 ms'],
  ])('%j is a usage error: %s', async (flags, message) => {
    const r = await cli(['run', numbers, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it.each([
    [['--grace', '1', '--grace', '2'], '--grace is given 2 times ("1", "2"), but only one value can count. Give it once.'],
    [['--interval=5', '--progress', '--interval', '9'], '--interval is given 2 times ("5", "9")'],
    [['--pipeline', 'numbers', '--pipeline', 'other'], '--pipeline is given 2 times ("numbers", "other")'],
    [['--state', 'a.json', '--state', 'b.json'], '--state is given 2 times ("a.json", "b.json")'],
    [['--hud', '--progress'], '--hud and --progress cannot be combined'],
  ])('%j: one of them would be ignored, so it is a usage error', async (flags, message) => {
    const r = await cli(['run', numbers, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
