import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, cleanupDirs, fixture, packageDir, stateFile, stripAnsi, tempDir, waitFor } from './cli';

afterAll(cleanupDirs);

// util-linux's script gives the CLI a pseudo-terminal: `script -qfec "<cmd>" /dev/null`.
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI in a 120×40 pseudo-terminal; `keys` are typed once `ready` is in the output. */
function inTerminal(args: readonly string[], options: { keys?: string; ready?: string; env?: Record<string, string> } = {}) {
  const cmd = `stty cols 120 rows 40; exec ${process.execPath} ${bin} ${args.join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: packageDir, env: { ...process.env, NODE_OPTIONS: '', CI: '', ...options.env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const { keys, ready = '' } = options;
  if (keys !== undefined) {
    void waitFor(() => out.includes(ready), 20_000, `"${ready}" on the terminal`).then(
      () => child.stdin.write(keys),
      () => undefined,
    );
  }
  return { child, exited, output: () => out };
}

/** Runs the CLI with --hud; `keys` are typed once the first frame is on screen. */
function hud(args: readonly string[], keys?: string) {
  return inTerminal(['run', ...args, '--hud'], { keys, ready: 'MINIGUN' });
}

/** The frames drawn (each starts with cursor-home), as plain text. */
function frames(output: string): string[] {
  return output.split('\x1b[H').slice(1).map(stripAnsi);
}

describe.runIf(hasScript)('minigun run --hud', () => {
  it('draws the stage graph, per-stage rows, processes and the bottleneck, then prints the report', async () => {
    const dir = tempDir();
    const run = hud([fixture('numbers.mjs'), '--state', stateFile(dir, { n: 60, ms: 20 })]);
    expect(await run.exited).toBe(0);
    const all = frames(run.output());
    expect(all.length).toBeGreaterThanOrEqual(2);
    const last = all.at(-1)!;
    expect(last).toMatch(/^ MINIGUN {2}numbers {3}finished \S+ {3}produced 60\/60 \(100%\)/);
    expect(last).toContain(' Flow\n  generate [producer, inline] ──▶ square\n  square [inline×4] ──▶ save\n  save [inline] ■');
    expect(last).toMatch(/ stage\s+progress\s+done\s+rate\s+p50\s+p99\s+queue\s+busy/);
    expect(last).toMatch(/ generate\s+█{16} 100%\s+60/);
    expect(last).toMatch(/ square\s+█+░* +\d+%\s+59/);
    expect(last).toMatch(/ Processes and workers\n {2}pid \d+ {2}parent: generate, square, save/);
    expect(last).toContain('▲ Bottleneck: square (inline×4)');
    expect(last).toContain('✖ 1 failed inputs so far');
    expect(last).toContain('q stop gracefully   p pause rendering   Ctrl-C signal');
    // A live frame before the final one.
    expect(all.some((f) => f.includes(' running '))).toBe(true);
    // The alternate screen is left, then the report is printed.
    expect(stripAnsi(run.output().split('\x1b[?1049l').at(-1)!)).toContain('Pipeline numbers: completed');
    // The keyboard is let go: the process ended by itself.
    expect(run.output()).not.toContain('which would keep this process alive');
  }, 30_000);

  it('q stops gracefully: the run is cancelled, exit 130', async () => {
    const dir = tempDir();
    const run = hud([fixture('numbers.mjs'), '--state', stateFile(dir, { n: 2000, ms: 50 })], 'q');
    try {
      expect(await run.exited).toBe(130);
      const after = stripAnsi(run.output().split('\x1b[?1049l').at(-1)!);
      expect(after).toContain('Pipeline numbers: cancelled');
      expect(frames(run.output()).some((f) => f.includes('stopping…'))).toBe(true);
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 30_000);

  it('Ctrl-C (a key in raw mode) is turned into SIGINT: cancelled, exit 130', async () => {
    const dir = tempDir();
    const run = hud([fixture('numbers.mjs'), '--state', stateFile(dir, { n: 2000, ms: 50 })], '\x03');
    try {
      expect(await run.exited).toBe(130);
      expect(stripAnsi(run.output().split('\x1b[?1049l').at(-1)!)).toContain('Pipeline numbers: cancelled');
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 30_000);
});

describe.runIf(hasScript)('minigun run in a terminal, without --hud', () => {
  it('--interval alone is honoured: progress lines are the default display on a terminal', async () => {
    const dir = tempDir();
    const run = inTerminal(['run', fixture('numbers.mjs'), '--interval', '20', '--state', stateFile(dir, { n: 40, ms: 20 })]);
    expect(await run.exited).toBe(0);
    expect(stripAnsi(run.output())).toMatch(/square\s+inline×4\s+done \d+/);
    expect(stripAnsi(run.output())).toContain('Pipeline numbers: completed');
  }, 30_000);

  it('in CI (no progress by default), --interval alone is a usage error that says why', async () => {
    const run = inTerminal(['run', fixture('numbers.mjs'), '--interval', '20'], { env: { CI: 'true' } });
    expect(await run.exited).toBe(2);
    expect(stripAnsi(run.output())).toContain('--interval sets how often progress is shown, but this run shows none (CI is set).');
  }, 30_000);
});
