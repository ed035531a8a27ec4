/** Helpers of the CLI tests (not a test file): run the built bin in a child process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
/** The bin as package.json declares it (the launcher, which loads the built dist/cli.js). */
export const bin = join(packageDir, 'bin/minigun.js');
export const fixture = (name: string): string => join(packageDir, 'test/fixtures', name);

export { cleanupDirs, files, isAlive, minigunChildren, sleep, tempDir, waitFor } from '@minigun/test-utils';

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  /** The working directory (default: this package's). */
  readonly cwd?: string;
}

/** Starts `node bin/minigun.js …args` with piped stdio (so no TTY: no live display unless asked) and no colours (CI may force them). */
export function start(args: readonly string[], options: RunOptions = {}): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? packageDir,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', ...options.env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Runs the CLI to its end. */
export async function cli(args: readonly string[], options: RunOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = start(args, options);
  const code = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** Writes `state` as JSON in `dir` and returns the file's path (for --state). */
export function stateFile(dir: string, state: unknown): string {
  const path = join(dir, 'state.json');
  writeFileSync(path, JSON.stringify(state));
  return path;
}

/** Removes ANSI escape sequences (colours, cursor moves) from terminal output. */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}
