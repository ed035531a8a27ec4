import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, cleanupDirs, fixture, packageDir, stateFile, stripAnsi, tempDir, waitFor } from './cli';

afterAll(cleanupDirs);

// util-linux's script gives the CLI a pseudo-terminal: `script -qfec "<cmd>" /dev/null`.
const hasScript = spawnSync('script', ['--version']).status === 0;

/**
 * A key press in a test: `keys` are typed once `ready` holds for what the terminal showed since the
 * previous step's keys were typed (a string: that text in it).
 */
interface Step {
  readonly ready: string | ((output: string) => boolean);
  readonly keys: string;
}

/** Runs the CLI in a 120×40 pseudo-terminal, typing the `steps` in order. */
function inTerminal(args: readonly string[], options: { steps?: readonly Step[]; env?: Record<string, string> } = {}) {
  const cmd = `stty cols 120 rows 40; exec ${process.execPath} ${bin} ${args.join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: packageDir, env: { ...process.env, NODE_OPTIONS: '', CI: '', ...options.env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const typed = (async () => {
    let since = 0;
    for (const [i, { ready, keys }] of (options.steps ?? []).entries()) {
      const check = typeof ready === 'string' ? (o: string) => o.includes(ready) : ready;
      await waitFor(() => check(out.slice(since)), 20_000, `step ${i + 1} (before typing ${JSON.stringify(keys)}) on the terminal`);
      since = out.length;
      child.stdin.write(keys);
    }
  })();
  // A step that never became ready fails the test through `typed`; the run itself is ended by the test.
  typed.catch(() => undefined);
  return { child, exited, typed, output: () => out };
}

/** Runs the CLI with --hud; `keys` are typed once the first frame is on screen, then the further steps. */
function hud(args: readonly string[], keys?: string, ...steps: Step[]) {
  return inTerminal(['run', ...args, '--hud'], { steps: keys === undefined ? [] : [{ ready: 'MINIGUN', keys }, ...steps] });
}

/** The frames drawn (each starts with cursor-home), as plain text. */
function frames(output: string): string[] {
  return output.split('\x1b[H').slice(1).map(stripAnsi);
}

/** The last frame drawn whole (its footer, the last line, arrived), as plain text. */
function lastFrame(output: string): string | undefined {
  return frames(output)
    .filter((f) => f.includes('h help'))
    .at(-1);
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
    expect(last).toContain(' Flow\n  generate [producer, inline] ─────▶ square [inline×4] ─────▶ save [inline]\n\n');
    // The bottleneck's label in the graph is yellow, like its row.
    expect(run.output().split('\x1b[H').at(-1)).toContain('\x1b[33msquare [inline×4]\x1b[39m');
    expect(last).toMatch(/ stage\s+progress\s+done\s+rate\s+p50\s+p99\s+queue\s+busy/);
    expect(last).toMatch(/ generate\s+█{16} 100%\s+60/);
    expect(last).toMatch(/ square\s+█+░* +\d+%\s+59/);
    expect(last).toMatch(/ Processes and workers\n {2}pid \d+ {2}parent: generate, square, save/);
    expect(last).toContain('▲ Bottleneck: square (inline×4)');
    expect(last).toContain('✖ 1 failed inputs so far');
    expect(last).toContain('q stop gracefully   p pause rendering   Ctrl-C signal   h help');
    // All three stages fit: the table does not scroll.
    expect(last).not.toContain('↑↓ scroll');
    // A live frame before the final one.
    expect(all.some((f) => f.includes(' running '))).toBe(true);
    // The alternate screen is left, then the report is printed.
    expect(stripAnsi(run.output().split('\x1b[?1049l').at(-1)!)).toContain('Pipeline numbers: completed');
    // The keyboard is let go: the process ended by itself.
    expect(run.output()).not.toContain('which would keep this process alive');
  }, 30_000);

  it('draws a fan-out and a fan-in as a graph in layers', async () => {
    const dir = tempDir();
    const run = hud([fixture('branches.mjs'), '--state', stateFile(dir, { n: 40, ms: 5 })]);
    expect(await run.exited).toBe(0);
    expect(frames(run.output()).at(-1)).toContain(
      [' Flow', '  read [producer, inline] ──┬──▶ parse [inline×4] ──┬──▶ save [inline]', '                            └──▶ audit [inline] ────┘', ''].join(
        '\n',
      ),
    );
  }, 30_000);

  it('h and ? open the help panel, any other key closes it, q still stops with it open', async () => {
    const dir = tempDir();
    const open = (o: string): boolean => lastFrame(o)?.includes('┌─ Help') === true;
    const closed = (o: string): boolean => lastFrame(o)?.includes('┌─ Help') === false;
    const run = hud(
      [fixture('numbers.mjs'), '--state', stateFile(dir, { n: 2000, ms: 50 })],
      'h',
      { ready: open, keys: 'x' },
      { ready: closed, keys: '?' },
      { ready: open, keys: 'q' },
    );
    try {
      await run.typed;
      expect(await run.exited).toBe(130);
      const all = frames(run.output());
      const help = all.find((f) => f.includes('┌─ Help'))!;
      expect(help).toMatch(/│ {2}h {2}\? +this help \(any other key closes it\) +│/);
      expect(help).toMatch(/│ {2}q +stop gracefully: in-flight inputs get --grace ms +│/);
      expect(help).toMatch(/│ {2}Bottleneck +the stage that limits throughput/);
      // The run went on behind the panel: frames kept coming, still running.
      expect(all.filter((f) => f.includes('┌─ Help') && f.includes(' running ')).length).toBeGreaterThanOrEqual(2);
      // q closed the panel and stopped: the frames after it say so, without the panel.
      const afterQ = all.slice(all.findLastIndex((f) => f.includes('┌─ Help')) + 1);
      expect(afterQ.some((f) => f.includes('stopping…'))).toBe(true);
      expect(afterQ.every((f) => !f.includes('┌─ Help'))).toBe(true);
      expect(stripAnsi(run.output().split('\x1b[?1049l').at(-1)!)).toContain('Pipeline numbers: cancelled');
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 40_000);

  it('arrows, j/k, PgUp/PgDn, Home/End scroll a stage table taller than the terminal; Ctrl-C works over the help', async () => {
    const dir = tempDir();
    const total = 30;
    let page = 0;
    /** A frame showing rows first+1… of the table, with the arrows for what is above and below. */
    const showing = (first: number) => (o: string) => {
      const arrows = `${first > 0 ? '↑' : ''}${first + page < total ? '↓' : ''}`;
      return lastFrame(o)?.includes(`\n stages ${first + 1}–${first + page} of ${total} ${arrows}\n`) === true;
    };
    const firstPage = (o: string): boolean => {
      const m = lastFrame(o)?.match(/\n stages 1–(\d+) of 30 ↓\n/);
      if (m) page = Number(m[1]);
      return m !== null && m !== undefined;
    };
    const last = (): number => total - page;
    const run = hud(
      [fixture('many-stages.mjs'), '--state', stateFile(dir, { n: 2000, ms: 50 })],
      '',
      { ready: firstPage, keys: '\x1b[F' }, // End
      { ready: (o) => showing(last())(o), keys: 'k' },
      { ready: (o) => showing(last() - 1)(o), keys: '\x1b[H' }, // Home
      { ready: (o) => showing(0)(o), keys: 'j' },
      { ready: (o) => showing(1)(o), keys: '\x1b[B' }, // down
      { ready: (o) => showing(2)(o), keys: '\x1b[A' }, // up
      { ready: (o) => showing(1)(o), keys: '\x1b[6~' }, // PgDn
      { ready: (o) => showing(Math.min(1 + page, last()))(o), keys: '\x1b[5~' }, // PgUp
      { ready: (o) => showing(Math.max(0, Math.min(1 + page, last()) - page))(o), keys: 'h' },
      { ready: (o) => lastFrame(o)?.includes('┌─ Help') === true, keys: '\x03' },
    );
    try {
      await run.typed;
      expect(await run.exited).toBe(130);
      expect(page).toBeGreaterThanOrEqual(3);
      expect(page).toBeLessThan(total);
      const all = frames(run.output()).filter((f) => f.includes('h help'));
      // The rows shown are the ones the line names: the end shows save, the start generate.
      const end = all.find((f) => f.includes(` stages ${last() + 1}–${total} of ${total} ↑\n`))!;
      expect(end).toMatch(/^ save +[█░]/m);
      expect(end).not.toMatch(/^ generate +[█░]/m);
      const start = all.find((f) => f.includes(` stages 1–${page} of ${total} ↓\n`))!;
      expect(start).toMatch(/^ generate +[█░]/m);
      expect(start).not.toMatch(/^ save +[█░]/m);
      expect(start).toContain('↑↓ scroll');
      expect(stripAnsi(run.output().split('\x1b[?1049l').at(-1)!)).toContain('Pipeline many-stages: cancelled');
    } finally {
      run.child.kill('SIGKILL');
    }
  }, 60_000);

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
