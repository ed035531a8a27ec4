// Checks every workspace package's manifest and imports; exits 1 naming each problem.
//  - Every bare import in src/ (static, dynamic, require, export-from, type-only) names a package the manifest
//    declares: dependencies or peerDependencies (optionalDependencies too); private packages may also use
//    devDependencies. Node built-ins and the package's own name are fine. A @minigun/* import must name a
//    workspace package.
//  - A publishable package (no "private": true) has the fields a registry user relies on: license MIT and a
//    LICENSE file, repository with its directory, engines.node, publishConfig.access public, files with dist,
//    exports whose every entry has import and require conditions with `types` first, sideEffects that lists
//    the `register` entry when there is one, a peer (not a direct) dependency on @minigun/core for plugins,
//    no dependency on a private workspace package, and bins that are committed files (not build output)
//    inside "files", with a node shebang.
/* global console, process */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { root, workspacePackages } from './workspace.mjs';

const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;
const builtins = new Set(builtinModules);

/** @param {string} dir @returns {string[]} */
function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** '@scope/name/sub' → '@scope/name', 'name/sub' → 'name'; undefined for relative, absolute and built-in specifiers. */
function packageOf(/** @type {string} */ specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('data:') || specifier.startsWith('file:'))
    return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtins.has(name) ? undefined : name;
}

/** @type {string[]} */
const problems = [];
const packages = workspacePackages();
const byName = new Map(packages.map((p) => [p.manifest.name, p]));

for (const { dir, rel, manifest } of packages) {
  const isPublic = manifest.private !== true;
  const declared = new Map();
  for (const field of isPublic
    ? ['dependencies', 'peerDependencies', 'optionalDependencies']
    : ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    for (const name of Object.keys(/** @type {Record<string, string>} */ (manifest[field] ?? {}))) declared.set(name, field);
  }

  for (const file of sourceFiles(join(dir, 'src'))) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      const name = packageOf(specifier);
      if (name === undefined || name === manifest.name) continue;
      const where = relative(root, file);
      if (name.startsWith('@minigun/') && !byName.has(name)) {
        problems.push(`${where} imports "${specifier}", but no workspace package is called ${name}.`);
      } else if (!declared.has(name)) {
        const fields = isPublic ? 'dependencies or peerDependencies' : 'dependencies, peerDependencies or devDependencies';
        problems.push(`${where} imports "${specifier}", which ${rel}/package.json does not declare in ${fields}.`);
      }
    }
  }

  for (const [name, field] of declared) {
    const sibling = byName.get(name);
    if (isPublic && sibling?.manifest.private === true && field !== 'devDependencies') {
      problems.push(`${rel}/package.json: ${field} names ${name}, which is private (never published): installing ${manifest.name} would fail.`);
    }
  }

  if (!isPublic) continue;
  const at = `${rel}/package.json`;
  if (manifest.license !== 'MIT') problems.push(`${at}: "license" should be "MIT", is ${JSON.stringify(manifest.license)}.`);
  if (!existsSync(join(dir, 'LICENSE'))) problems.push(`${rel}: no LICENSE file (npm publishes it with the package).`);
  const repository = /** @type {{ url?: string, directory?: string } | undefined} */ (manifest.repository);
  if (typeof repository?.url !== 'string' || repository.directory !== rel) problems.push(`${at}: "repository" needs a url and "directory": "${rel}".`);
  if (typeof (/** @type {{ node?: string } | undefined} */ (manifest.engines)?.node) !== 'string') problems.push(`${at}: "engines.node" is missing.`);
  if (/** @type {{ access?: string } | undefined} */ (manifest.publishConfig)?.access !== 'public')
    problems.push(`${at}: "publishConfig.access" should be "public" (a scoped package is private by default).`);
  const files = /** @type {string[] | undefined} */ (manifest.files);
  if (!Array.isArray(files) || !files.includes('dist')) problems.push(`${at}: "files" should list "dist".`);

  // npm links a bin at install only if its file exists then: a bin must be a committed file, not a build
  // output, inside what "files" publishes, and start with a node shebang.
  const bins = typeof manifest.bin === 'string' ? { [String(manifest.name)]: manifest.bin } : /** @type {Record<string, string>} */ (manifest.bin ?? {});
  for (const [command, target] of Object.entries(bins)) {
    const path = target.replace(/^\.\//, '');
    const published = Array.isArray(files) && files.some((f) => path === f || path.startsWith(`${f.replace(/\/$/, '')}/`));
    if (path.startsWith('dist/'))
      problems.push(
        `${at}: bin "${command}" points into dist (${target}), which does not exist at install time: npm would not link it. Commit a small launcher that loads the build.`,
      );
    else if (!existsSync(join(dir, path))) problems.push(`${at}: bin "${command}" points to ${target}, which does not exist.`);
    else if (!readFileSync(join(dir, path), 'utf8').startsWith('#!/usr/bin/env node'))
      problems.push(`${at}: bin "${command}" (${target}) should start with "#!/usr/bin/env node".`);
    if (!published) problems.push(`${at}: bin "${command}" (${target}) is not in "files": the published package would lack it.`);
  }

  const exports = /** @type {Record<string, unknown> | undefined} */ (manifest.exports);
  if (exports === undefined || typeof exports !== 'object' || !('.' in exports)) {
    problems.push(`${at}: "exports" needs a "." entry.`);
  } else {
    for (const [subpath, target] of Object.entries(exports)) {
      if (subpath === './package.json') continue;
      // ESM-only packages (manifest "minigun": { "esmOnly": true }, e.g. the CLI, whose terminal libraries are ESM-only) have no require entry.
      const esmOnly = /** @type {{ esmOnly?: boolean } | undefined} */ (manifest.minigun)?.esmOnly === true;
      for (const condition of esmOnly ? ['import'] : ['import', 'require']) {
        const entry = /** @type {Record<string, unknown> | undefined} */ (/** @type {Record<string, unknown>} */ (target)?.[condition]);
        const keys = entry !== undefined && typeof entry === 'object' ? Object.keys(entry) : [];
        if (keys[0] !== 'types' || !keys.includes('default')) {
          problems.push(
            `${at}: exports["${subpath}"].${condition} should be { "types": …, "default": … } with "types" first (TypeScript takes the first matching condition).`,
          );
        }
      }
    }
    if ('./register' in exports) {
      const sideEffects = manifest.sideEffects;
      const listed = Array.isArray(sideEffects) ? sideEffects : [];
      for (const file of ['./dist/register.js', './dist/register.cjs']) {
        if (!listed.includes(file))
          problems.push(`${at}: "sideEffects" should list ${file}: importing the register entry for its side effect must survive tree-shaking.`);
      }
    } else if (manifest.sideEffects !== false) {
      problems.push(`${at}: "sideEffects" should be false (no entry of ${manifest.name} has side effects).`);
    }
  }

  // Plugins share the user's copy of core (one defaultRegistry): a peer dependency, never a direct one.
  const usesCore = sourceFiles(join(dir, 'src')).some((file) => /['"]@minigun\/core(?:\/[\w-]+)?['"]/.test(readFileSync(file, 'utf8')));
  if (manifest.name !== '@minigun/core' && usesCore) {
    if (manifest.dependencies?.['@minigun/core'] !== undefined)
      problems.push(`${at}: @minigun/core belongs in peerDependencies, not dependencies (plugins share the user's copy of core).`);
    if (manifest.peerDependencies?.['@minigun/core'] === undefined) problems.push(`${at}: a plugin needs "@minigun/core" in peerDependencies.`);
  }
}

const checked = packages.map((p) => `${p.manifest.name}${p.manifest.private === true ? ' (private)' : ''}`).join(', ');
if (problems.length > 0) {
  console.error(`check-packages: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-packages: ok (${checked})`);
