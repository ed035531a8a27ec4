import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm start (the file audit)', () => {
  it('audits a directory, finds duplicates and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-audit-'));
    try {
      mkdirSync(join(dir, 'a'));
      mkdirSync(join(dir, 'b'));
      writeFileSync(join(dir, 'a', 'one.txt'), 'same');
      writeFileSync(join(dir, 'b', 'two.txt'), 'same');
      writeFileSync(join(dir, 'b', 'three.txt'), 'different');
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', dir], { cwd: join(import.meta.dirname, '..') });
      expect(stdout).toContain('Audited 3 files');
      expect(stdout).toContain('Duplicate contents: 1 groups');
      expect(stdout).toMatch(/Bottleneck: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('minigun run src/main.ts (the same audit through the CLI)', () => {
  it('runs the example pipeline with state from --state and reports it as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-audit-cli-'));
    try {
      writeFileSync(join(dir, 'one.txt'), 'same');
      writeFileSync(join(dir, 'two.txt'), 'same');
      const state = join(dir, 'state.json');
      writeFileSync(state, JSON.stringify({ root: dir }));
      const cli = join(import.meta.dirname, '../../../packages/cli/dist/cli.js');
      const { stdout } = await run(process.execPath, [cli, 'run', 'src/main.ts', '--state', state, '--json'], { cwd: join(import.meta.dirname, '..'), env: { ...process.env, NODE_OPTIONS: '' } });
      const result = JSON.parse(stdout) as { status: string; collected: { files: Array<{ path: string }> } };
      expect(result.status).toBe('completed');
      // state.json itself is in the directory too.
      expect(result.collected.files.map((f) => f.path).sort()).toEqual(['one.txt', 'state.json', 'two.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
