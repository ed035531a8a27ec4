// Runs Are The Types Wrong (`attw --pack`) on every publishable workspace package, after its build: the
// packed tarball's types must resolve for node10, node16 (from ESM and from CJS) and bundler resolution.
// Exits 1 naming each package that has a problem; attw's own table says which entry and why.
/* global console, process */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publishablePackages } from './workspace.mjs';

const cliManifest = createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json');
const attw = join(dirname(cliManifest), 'dist/index.js');
/** @type {string[]} */
const failed = [];
const packages = publishablePackages();
for (const { dir, rel, manifest } of packages) {
  if (!existsSync(join(dir, 'dist'))) {
    failed.push(`${manifest.name}: ${rel}/dist is missing (build it first: NX_DAEMON=false npx nx run-many -t build)`);
    continue;
  }
  console.log(`attw --pack ${rel}`);
  // ESM-only packages are checked without the CommonJS resolution modes.
  const profile = /** @type {{ esmOnly?: boolean } | undefined} */ (manifest.minigun)?.esmOnly === true ? ['--profile', 'esm-only'] : [];
  const run = spawnSync(process.execPath, [attw, '--pack', dir, '--format', 'ascii', ...profile], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${manifest.name}: attw exited with ${run.status ?? run.signal} (see its report above)`);
}
if (failed.length > 0) {
  console.error(`attw: problems in ${failed.length} package(s):\n${failed.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`attw: no problems in ${packages.map((p) => p.manifest.name).join(', ')}`);
