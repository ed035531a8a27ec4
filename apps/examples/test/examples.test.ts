import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listExamples, runExample } from '../scripts/run-examples.ts';

const run = promisify(execFile);
const appDir = join(import.meta.dirname, '..');

// Each example is a child process (tsx): TypeScript pipeline modules in worker threads and child processes.
// In sequence, to keep the load of this shared 2-core machine down (about a minute in all).
describe('examples/NN-*.ts (each checks itself and exits 0)', () => {
  const files = listExamples();
  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(22);
  });
  for (const file of files) {
    it(file, async () => {
      const r = await runExample(file, 90_000);
      expect(r.code, `${file} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^PASS /m);
    }, 100_000);
  }
});

describe('the examples runner', () => {
  it('reports an example whose check fails, which exits 1', async () => {
    const r = await runExample(join(import.meta.dirname, 'fixtures', 'failing-example.ts'));
    expect(r.ok).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL a check that does not');
    expect(r.stdout).toContain('FAIL failing-example: 1 of 2 checks failed');
  }, 60_000);
});

describe('examples through the CLI (minigun run)', () => {
  const cli = join(import.meta.dirname, '../../../packages/cli/dist/cli.js');
  it('runs an example module with isolated stages: minigun run examples/19-statistics-gathering.ts --json', async () => {
    const { stdout } = await run(process.execPath, [cli, 'run', 'examples/19-statistics-gathering.ts', '--json'], {
      cwd: appDir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const result = JSON.parse(stdout) as { status: string; pipeline: string; collected: { items: Array<{ pid: number; count: number }> } };
    expect(result.status).toBe('completed');
    expect(result.pipeline).toBe('statistics');
    expect(result.collected.items.reduce((a, i) => a + i.count, 0)).toBe(12);
  }, 90_000);

  it('picks one of several exported pipelines with --pipeline', async () => {
    const { stdout } = await run(process.execPath, [cli, 'run', 'examples/37-inheritance.ts', '--pipeline', 'order-publisher', '--json'], {
      cwd: appDir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const result = JSON.parse(stdout) as { status: string; collected: { published: Array<{ kind: string }> } };
    expect(result.status).toBe('completed');
    expect(result.collected.published.map((p) => p.kind)).toEqual(['order', 'order', 'order']);
  }, 90_000);
});
