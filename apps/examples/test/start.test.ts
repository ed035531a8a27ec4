import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuditError, readForAudit } from '../src/main.ts';
import type { Summary } from '../src/summary.ts';

const run = promisify(execFile);
const appDir = join(import.meta.dirname, '..');
const env = { ...process.env, NODE_OPTIONS: '', CI: 'true' };

/** A tree with good files, a duplicate, and every kind of bad input the audit must survive. */
function makeTree(dir: string): void {
  mkdirSync(join(dir, 'pkg', 'src'), { recursive: true });
  writeFileSync(join(dir, 'pkg', 'package.json'), '{"name":"pkg"}');
  writeFileSync(join(dir, 'pkg', 'src', 'one.txt'), 'same');
  writeFileSync(join(dir, 'two.txt'), 'same');
  writeFileSync(join(dir, 'three.txt'), 'different');
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(5000, 1)); // above --max-bytes 4096
  mkfifo(join(dir, 'pipe'));
  symlinkSync('nowhere', join(dir, 'dangling'));
  symlinkSync('loop-b', join(dir, 'loop-a'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  symlinkSync('.', join(dir, 'self'));
  symlinkSync('/proc/self/status', join(dir, 'proc-status')); // stat size 0, yet readable: audited
}

function mkfifo(path: string): void {
  // mkfifo(1) is in coreutils; Node has no API for it.
  const { status, stderr } = spawnSync('mkfifo', [path]);
  if (status !== 0) throw new Error(`mkfifo ${path} failed: ${String(stderr)}`);
}

describe('npm start (the file audit)', () => {
  it('audits a tree with bad inputs: reports them as failed, finds duplicates, writes the summary, exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-audit-test-'));
    try {
      const root = join(dir, 'root');
      const out = join(dir, 'out');
      mkdirSync(root);
      makeTree(root);
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', root, '--out', out, '--max-bytes', '4096'], {
        cwd: appDir,
        env,
      });
      expect(stdout).toContain('Audited 5 files');
      expect(stdout).toContain('Duplicate contents: 1 groups');
      expect(stdout).toContain('Failed files: 6');
      expect(stdout).toMatch(/Bottleneck: /);
      expect(stderr).toMatch(/listed \d+\/11/); // progress lines (stderr is not a terminal here)
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
      expect(summary.status).toBe('completed');
      expect(summary.duplicates).toEqual([{ sha1: expect.any(String), size: 4, paths: ['pkg/src/one.txt', 'two.txt'] }]);
      expect(summary.packages.map((p) => p.pkg).sort()).toEqual(['.', 'pkg']);
      const reasons = Object.fromEntries(summary.failed.map((f) => [f.path, f.reason]));
      expect(reasons).toEqual({
        'big.bin': expect.stringMatching(/5000 bytes is above the limit of 4096 bytes/),
        dangling: expect.stringMatching(/dangling symlink \(→ nowhere\)/),
        'loop-a': expect.stringMatching(/symlink loop/),
        'loop-b': expect.stringMatching(/symlink loop/),
        pipe: expect.stringMatching(/a FIFO: not read/),
        self: expect.stringMatching(/symlink to a directory/),
      });
      expect(readFileSync(join(out, 'files.csv'), 'utf8').split('\n')[0]).toBe('path,package,ext,bytes,gzip_bytes,ratio,sha1,copies,error');
      // The per-batch reports, written by the cow-fork children.
      expect(readdirSync(out).filter((f) => f.startsWith('batch-'))).toEqual(['batch-001.csv']);
      expect(readdirSync(root).sort()).toEqual(['big.bin', 'dangling', 'loop-a', 'loop-b', 'pipe', 'pkg', 'proc-status', 'self', 'three.txt', 'two.txt']); // nothing written into the tree
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('says clearly that a directory does not exist, and exits 2', async () => {
    const missing = join(tmpdir(), 'minigun-audit-does-not-exist');
    const failure = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', missing], { cwd: appDir, env }).catch(
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain(`${missing} does not exist`);
  }, 60_000);

  it('reports a file that vanished after it was listed (the read stage)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-audit-vanish-'));
    try {
      const abs = join(dir, 'gone.txt');
      writeFileSync(abs, 'soon gone');
      rmSync(abs);
      await expect(readForAudit({ path: 'gone.txt', abs, pkg: '.' })).rejects.toThrow(new AuditError('gone.txt', 'vanished after it was listed (ENOENT)'));
      expect(existsSync(abs)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('minigun run src/main.ts (the same audit through the CLI)', () => {
  it('runs the example pipeline with state from --state and reports it as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-audit-cli-'));
    try {
      const root = join(dir, 'root');
      mkdirSync(root);
      writeFileSync(join(root, 'one.txt'), 'same');
      writeFileSync(join(root, 'two.txt'), 'same');
      const state = join(dir, 'state.json');
      writeFileSync(state, JSON.stringify({ root, outDir: join(dir, 'out') }));
      const cli = join(import.meta.dirname, '../../../packages/cli/dist/cli.js');
      const { stdout } = await run(process.execPath, [cli, 'run', 'src/main.ts', '--state', state, '--json'], { cwd: appDir, env });
      const result = JSON.parse(stdout) as { status: string; collected: { files: Array<{ path: string }>; reports: string[]; outDir: string[] } };
      expect(result.status).toBe('completed');
      expect(result.collected.files.map((f) => f.path).sort()).toEqual(['one.txt', 'two.txt']);
      expect(result.collected.reports).toEqual([join(dir, 'out', 'batch-001.csv')]);
      expect(result.collected.outDir).toEqual([join(dir, 'out')]);
      expect(existsSync(join(dir, 'out', 'summary.json'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
