/**
 * check-references: fails on a folder where each rule is broken once, naming file, line and rule, and
 * leaves alone what a reader can follow (public upstream issues, the word "issue tracker", a transport
 * session) and what it does not scan (node_modules, dist, lockfiles, ignored files); passes on this
 * repository. The planted texts are joined from pieces so that this file does not break the rules itself.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../scripts/workspace.mjs';

const exec = promisify(execFile);
const script = join(import.meta.dirname, '../scripts/check-references.mjs');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NX_|VITEST|NODE_OPTIONS$|MINIGUN_|GIT_)/i.test(key)));
const scratchDirs: string[] = [];

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

async function check(workspace: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [script], { env: { ...env, MINIGUN_WORKSPACE_ROOT: workspace }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function write(dir: string, file: string, lines: string[]): void {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), `${lines.join('\n')}\n`);
}

const j = (...parts: string[]): string => parts.join('');

describe('check-references', () => {
  it('fails on a folder that breaks each rule, naming file, line and rule; skips what it does not scan', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'minigun-refs-'));
    scratchDirs.push(ws);
    const planted: Array<[file: string, line: number, rule: RegExp]> = [
      ['src/graph.ts', 2, /cites the product design document/],
      ['src/graph.ts', 3, /cites the product design document/],
      ['README.md', 3, /cites a numbered section/],
      ['test/faults.test.ts', 1, /cites an issue of a tracker/],
      ['bench/run.ts', 2, /cites an issue of a tracker/],
      ['packages/x/README.md', 2, /points into a folder outside the repository/],
      ['packages/x/test/fixtures/scenarios.ts', 1, /cites reference notes/],
      ['docs/benchmarks.md', 2, /says when a figure was taken/],
    ];
    write(ws, 'src/graph.ts', ['/**', j(' * Applies the default routing of DE', 'SIGN section 8.'), j(' * As DE', 'SIGN 2 says.'), ' */', 'export {};']);
    write(ws, 'README.md', ['# x', '', j('See the design, ', '§', '8.')]);
    write(ws, 'test/faults.test.ts', [j('// Bad input and faults (iss', 'ue 4).')]);
    write(ws, 'bench/run.ts', ['/**', j(' * The iss', 'ue asks for 500 inputs.'), ' */']);
    write(ws, 'packages/x/README.md', ['# x', j('(see `../../sha', 'red/reference/notes.md`)')]);
    write(ws, 'packages/x/test/fixtures/scenarios.ts', [j('// Ports of the examples (seed-fork-ipc', '-notes.md).')]);
    write(ws, 'docs/benchmarks.md', ['# Benchmarks', j('Three runs this ses', 'sion gave 1.3x.')]);
    // Fine: a public upstream issue, the words "issue tracker", a transport session.
    write(ws, 'src/clean.ts', [
      '// Works around nodejs/node#48523 (https://github.com/nodejs/node/issues/48523).',
      '// The package names its repository, homepage and the issue tracker.',
      '// The runner closes the session after the executors.',
    ]);
    // Not scanned: dependencies, build output, lockfiles, ignored files.
    const outside = j('DE', 'SIGN section 8');
    write(ws, 'node_modules/dep/README.md', [outside]);
    write(ws, 'packages/x/dist/index.js', [`// ${outside}`]);
    write(ws, 'package-lock.json', [`{ "note": "${outside}" }`]);
    write(ws, 'scratch/notes.md', [outside]);
    write(ws, '.gitignore', ['scratch/']);
    await exec('git', ['init', '--quiet'], { cwd: ws, env });
    // Tracked files and untracked ones that git does not ignore are both scanned.
    await exec('git', ['add', 'src', 'README.md', 'test', 'bench', '.gitignore'], { cwd: ws, env });

    const r = await check(ws);
    expect(r.code, r.stderr).toBe(1);
    const reported = r.stderr.split('\n').filter((l) => /^ {2}\S/.test(l));
    for (const [file, line, rule] of planted) {
      const hit = reported.find((l) => l.startsWith(`  ${file}:${line}: `));
      expect(hit, `${file}:${line} in:\n${r.stderr}`).toBeDefined();
      expect(hit).toMatch(rule);
    }
    expect(reported, r.stderr).toHaveLength(planted.length);
    expect(r.stderr).toContain(`check-references: ${planted.length} reference(s)`);
    for (const skipped of ['clean.ts', 'node_modules', 'dist/', 'package-lock.json', 'scratch/']) expect(r.stderr).not.toContain(skipped);
  });

  it('passes on this repository', async () => {
    const r = await check(root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no references to documents outside the repository');
  });
});
