/**
 * The `minigun` command in a fresh clone, as the READMEs use it: `npm ci`, the build, then `npx minigun run`
 * from apps/examples. npm links a workspace package's bin only if its file exists at install time, so the
 * bin must be a committed file (packages/cli/bin/minigun.js), not a build output; before the build it says
 * to build. The clone is of the committed HEAD: uncommitted changes are not in it. One slow test (an
 * `npm ci` from the npm cache and the build of hooks, core and the CLI).
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../scripts/workspace.mjs';

const exec = promisify(execFile);

/** The environment of a user's shell: nothing from npm run, nx or vitest leaks into the clone's commands. */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NX_|VITEST|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$|MINIGUN_)/i.test(key))),
  NX_DAEMON: 'false',
  NO_COLOR: '1',
};

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in the clone; a non-zero exit is returned, not thrown. */
async function sh(file: string, args: readonly string[], cwd: string, timeout: number): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw new Error(`${file} ${args.join(' ')} in ${cwd} did not finish: ${e.message}\n${e.stderr ?? ''}`, { cause: error });
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'minigun-clone-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a fresh clone', () => {
  it('npm ci links node_modules/.bin/minigun; before the build it says to build; after it, `npx minigun run` runs an example', async () => {
    const repo = join(scratch, 'repo');
    await exec('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', '--depth', '1', `file://${root}`, repo], { env });
    expect(existsSync(join(repo, 'packages/cli/dist')), 'a clone has no build output').toBe(false);

    const install = await sh('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], repo, 150_000);
    expect(install.code, install.stderr).toBe(0);
    const link = join(repo, 'node_modules/.bin/minigun');
    expect(existsSync(link) && lstatSync(link).isSymbolicLink(), 'npm ci linked the minigun bin').toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(repo, 'packages/cli/bin/minigun.js')));

    const examples = join(repo, 'apps/examples');
    const args = ['--no-install', 'minigun', 'run', 'examples/01-sequential-default.ts', '--json'];
    const unbuilt = await sh('npx', args, examples, 60_000);
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr).toContain('minigun: the command is not built yet');
    expect(unbuilt.stderr).toContain('run "npm run build" at the root of the repository');
    expect(unbuilt.stderr, 'a message, not a stack trace').not.toMatch(/^\s+at /m);

    // What the command needs of `npm run build` (the whole build would add the strategy packages' minutes).
    const build = await sh('npm', ['run', 'build', '-w', '@minigun/hooks', '-w', '@minigun/core', '-w', '@minigun/cli'], repo, 240_000);
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    const ran = await sh('npx', args, examples, 60_000);
    expect(ran.code, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout) as { pipeline: string; status: string; collected: { out: number[] } };
    expect(result).toMatchObject({ pipeline: 'sequential', status: 'completed' });
    expect([...result.collected.out].sort((a, b) => a - b)).toEqual([3, 5, 7, 9, 11]);
  }, 300_000);
});
