// The workspace packages as the root package.json lists them, read fresh from disk: every check loops over
// these, so a package that becomes public (drops "private") is covered without touching the checks.
/* global process */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; MINIGUN_WORKSPACE_ROOT points the checks at another workspace (their own tests do). */
export const root = process.env.MINIGUN_WORKSPACE_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** @typedef {{ name: string, version: string, private?: boolean, dependencies?: Record<string, string>, peerDependencies?: Record<string, string>, devDependencies?: Record<string, string>, [key: string]: unknown }} Manifest */
/** @typedef {{ dir: string, rel: string, manifest: Manifest }} WorkspacePackage */

/** @returns {WorkspacePackage[]} */
export function workspacePackages() {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  /** @type {string[]} */
  const rels = [];
  for (const pattern of rootManifest.workspaces ?? []) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) if (entry.isDirectory()) rels.push(`${parent}/${entry.name}`);
    } else {
      rels.push(pattern);
    }
  }
  return rels
    .filter((rel) => existsSync(join(root, rel, 'package.json')))
    .map((rel) => ({ dir: join(root, rel), rel, manifest: JSON.parse(readFileSync(join(root, rel, 'package.json'), 'utf8')) }));
}

/** The packages that get published: every workspace package without "private": true. */
export function publishablePackages() {
  return workspacePackages().filter((p) => p.manifest.private !== true);
}
