// `changeset status` as CI runs it: fails when a publishable package changed since the base branch without a
// changeset, or when a changeset names an unknown package or bump. changesets needs a ref to diff against; a
// fresh clone of main has the local branch `main`, but a CI checkout may be detached, single-branch or shallow.
// So: the configured baseBranch if it exists locally, else origin/<baseBranch>, else HEAD (nothing to diff:
// only the pending changesets are read and validated). MINIGUN_CHANGESET_BASE=<ref> overrides.
/* global console, process */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { root } from './workspace.mjs';

const config = JSON.parse(readFileSync(join(root, '.changeset/config.json'), 'utf8'));
const baseBranch = config.baseBranch ?? 'main';
const hasRef = (/** @type {string} */ ref) =>
  spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, stdio: 'ignore' }).status === 0;

/** @type {string[]} */
let args;
const override = process.env.MINIGUN_CHANGESET_BASE;
if (override) {
  if (!hasRef(override)) {
    console.error(`changeset-status: MINIGUN_CHANGESET_BASE=${override} is not a commit in this repository.`);
    process.exit(1);
  }
  args = [`--since=${override}`];
} else if (hasRef(baseBranch)) {
  args = [];
} else if (hasRef(`origin/${baseBranch}`)) {
  args = [`--since=origin/${baseBranch}`];
} else {
  console.log(`changeset-status: neither ${baseBranch} nor origin/${baseBranch} exists here (detached or shallow checkout): diffing against HEAD.`);
  args = ['--since=HEAD'];
}

const cli = join(dirname(createRequire(import.meta.url).resolve('@changesets/cli/package.json')), 'bin.js');
console.log(`changeset status ${args.join(' ')}`.trim());
const run = spawnSync(process.execPath, [cli, 'status', ...args], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  console.error(
    `changeset-status: changeset status failed (exit ${run.status ?? run.signal}). A changed publishable package needs a changeset: add a .md file in .changeset/ (see .changeset/README.md).`,
  );
  process.exit(1);
}
