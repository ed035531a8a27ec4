/**
 * The bins of the publishable packages (the CLI's `minigun`): each is a committed file, since npm links a
 * workspace package's bin at install time only if the file exists, before any build; each is in the packed
 * tarball; each starts with a node shebang.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { publishablePackages, root } from '../scripts/workspace.mjs';

const exec = promisify(execFile);
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|NX_|VITEST|NODE_OPTIONS$)/i.test(key)));

const withBins = publishablePackages()
  .map(({ dir, rel, manifest }) => ({ dir, rel, name: manifest.name, bins: Object.values((manifest.bin ?? {}) as Record<string, string>) }))
  .filter((p) => p.bins.length > 0);

/** `./bin/x.js` → `bin/x.js`, as git and npm pack list paths. */
const normal = (path: string): string => path.replace(/^\.\//, '');

describe('package bins', () => {
  it('the CLI is among the packages with a bin', () => {
    expect(withBins.map((p) => p.name)).toContain('@minigun/cli');
  });

  it.each(withBins)('$name: every bin is a committed file, packed, with a node shebang', async ({ dir, rel, bins }) => {
    const { stdout: tracked } = await exec('git', ['ls-files', '--', ...bins.map((b) => join(rel, normal(b)))], { cwd: root, env });
    const { stdout: packed } = await exec('npm', ['pack', '--dry-run', '--json'], { cwd: dir, env });
    const files = (JSON.parse(packed) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    for (const bin of bins) {
      expect(tracked.split('\n'), `${rel}/${normal(bin)} is committed (not a build output)`).toContain(join(rel, normal(bin)));
      expect(files, `${normal(bin)} is in the tarball ("files" in package.json)`).toContain(normal(bin));
      expect(readFileSync(join(dir, bin), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    }
  });
});
