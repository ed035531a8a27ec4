import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, cli, fixture, stateFile, tempDir } from './cli';

afterAll(cleanupDirs);

interface JsonResult {
  pipeline: string;
  status: string;
  durationMs: number;
  stats: { stages: Record<string, { in: number; done: number; failed: number; out: number; total?: number; latency: { p50: number } }>; bottleneck?: string };
  collected: Record<string, number[]>;
  errors: Array<{ kind: string; stage: string; message: string; input: unknown; error: { name: string; message: string } }>;
}

describe('minigun run --json', () => {
  it('prints the RunResult as one JSON document that matches the run', async () => {
    const r = await cli(['run', fixture('numbers.mjs'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result).toMatchObject({ pipeline: 'numbers', status: 'completed' });
    expect(result.durationMs).toBeGreaterThan(0);
    const s = result.stats.stages;
    expect(s.generate).toMatchObject({ in: 1, done: 1, out: 40, total: 40 });
    expect(s.square).toMatchObject({ in: 40, done: 39, failed: 1, out: 39 });
    expect(s.save).toMatchObject({ in: 39, done: 39 });
    const expected = Array.from({ length: 40 }, (_, i) => (i + 1) ** 2).filter((x) => x !== 169);
    expect([...result.collected.squares!].sort((a, b) => a - b)).toEqual(expected);
    // Error objects become { name, message }: no stack in machine output.
    expect(result.errors).toEqual([
      { kind: 'item', stage: 'square', message: 'unlucky 13', input: 13, attempts: 1, error: { name: 'Error', message: 'unlucky 13' } },
    ]);
  });

  it('with --progress, writes NDJSON: progress events, then the result', async () => {
    const dir = tempDir();
    const r = await cli(['run', fixture('numbers.mjs'), '--json', '--progress', '--interval', '20', '--state', stateFile(dir, { n: 60, ms: 10 })]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; seq?: number; final?: boolean; produced?: number; total?: number; status?: string; stats?: unknown });
    const events = lines.filter((l) => l.type === 'progress');
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ final: true, produced: 60, total: 60 });
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'completed', pipeline: 'numbers' });
    expect(lines.filter((l) => l.type === 'result')).toHaveLength(1);
  });

  it('runs a TypeScript module with state from --state', async () => {
    const dir = tempDir();
    const r = await cli(['run', fixture('typed.ts'), '--json', '--state', stateFile(dir, { factor: 10 })]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result.collected.scaled).toEqual([10, 20, 30, 40, 50]);
  });
});

describe('minigun run (report)', () => {
  it('prints a report with the stage table, the bottleneck and the failures', async () => {
    const r = await cli(['run', fixture('numbers.mjs')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Pipeline numbers: completed in');
    expect(r.stdout).toMatch(/stage\s+strategy\s+in\s+done\s+failed/);
    expect(r.stdout).toMatch(/square\s+inline×4\s+40\s+39\s+1/);
    expect(r.stdout).toContain('Bottleneck: square');
    expect(r.stdout).toContain('Failures: 1');
    expect(r.stdout).toContain('stage square: unlucky 13');
    // Piped, not in a terminal: no live progress unless asked.
    expect(r.stderr).toBe('');
  });

  it('with --progress off a terminal, appends one line per event to stderr', async () => {
    const dir = tempDir();
    const r = await cli(['run', fixture('numbers.mjs'), '--progress', '--interval', '20', '--state', stateFile(dir, { n: 40, ms: 10 })]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[\d[^\]]*\] numbers: generate out \d+ · square done \d+/m);
    expect(r.stdout).toContain('Pipeline numbers: completed');
  });
});
