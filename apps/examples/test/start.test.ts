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
