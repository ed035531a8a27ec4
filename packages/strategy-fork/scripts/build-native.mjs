/* global process, console */
/**
 * Builds the fork addon (native/fork.c) into prebuilds/<platform>-<arch>/fork.node with the C compiler and
 * the headers of the running Node (its include/node folder): part of the package's build, never of its
 * install. The result is committed, so that a fresh clone and the published package load it with no
 * compiler. Where the platform is not Linux, or no compiler or headers are found, it says so and keeps what
 * is committed (the strategy then falls back to spawn where no prebuild fits).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'native', 'fork.c');
const outDir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const target = join(outDir, 'fork.node');

if (process.platform !== 'linux') {
  console.log(`build-native: the fork addon is Linux-only; nothing to build on ${process.platform}.`);
  process.exit(0);
}
const include = [join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node', '/usr/local/include/node'].find((dir) =>
  existsSync(join(dir, 'node_api.h')),
);
const cc = process.env.CC ?? 'cc';
if (include === undefined || spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log(
    `build-native: no C compiler (${cc}) or Node headers found; keeping ${existsSync(target) ? 'the committed prebuild' : 'no prebuild (cow-fork will spawn)'}.`,
  );
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const temp = `${target}.tmp`;
const flags = ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=fork', `-I${include}`, '-o', temp, source];
const built = spawnSync(cc, flags, { stdio: 'inherit' });
if (built.status !== 0) {
  rmSync(temp, { force: true });
  console.error(`build-native: ${cc} failed; keeping what is committed.`);
  process.exit(existsSync(target) ? 0 : 1);
}
// Replaced only when the bytes differ: a rebuild with the same compiler leaves the committed file untouched.
if (existsSync(target) && readFileSync(target).equals(readFileSync(temp))) rmSync(temp);
else renameSync(temp, target);
console.log(`build-native: ${target}`);
