/**
 * `--use <pkg>`: loads a strategy or transport plugin package into the registry. A package qualifies when it
 * exports a plugin object (`{ name, strategies?, transports? }`) or a factory that returns one when called
 * without arguments (the default export, or a named export ending in "Strategies", "Transports" or "Plugin",
 * e.g. `forkStrategies`); otherwise its `<pkg>/register` side-effect entry is imported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MinigunPlugin, Registry } from '@minigun/core';
import { importPipelineModule } from '@minigun/core/toolkit';
import { ModuleLoadError } from './module-load-error.js';
import { UsageError } from './usage-error.js';

const FACTORY_NAME = /(?:Strategies|Transports|Plugin)$/;

export async function usePlugins(specs: readonly string[], registry: Registry, cwd: string): Promise<void> {
  for (const spec of specs) {
    const exports = await importFrom(spec, cwd);
    if (exports === undefined) throw new UsageError(`--use ${spec}: cannot find the package from ${cwd}. Install it (npm install ${packageName(spec)}).`);
    const plugin = pluginIn(exports);
    if (plugin !== undefined) {
      // The module may have registered the same strategies already (import '<pkg>/register').
      const names = [...(plugin.strategies ?? []).map((s) => s.name)];
      const known = names.length > 0 && names.every((n) => registry.strategies.includes(n));
      if (!known) registry.use(plugin);
      continue;
    }
    if ((await importFrom(`${spec}/register`, cwd)) === undefined) {
      throw new UsageError(
        `--use ${spec}: the package exports no Minigun plugin (an object { name, strategies?, transports? }, or a factory such as forkStrategies() returning one) and has no "${spec}/register" entry. Is it a Minigun plugin package?`,
      );
    }
  }
}

function pluginIn(exports: Record<string, unknown>): MinigunPlugin | undefined {
  const candidates: unknown[] = [
    exports.default,
    ...Object.entries(exports)
      .filter(([k]) => k !== 'default')
      .map(([, v]) => v),
  ];
  for (const c of candidates) if (isPlugin(c)) return c;
  const factories = [
    exports.default,
    ...Object.entries(exports)
      .filter(([k]) => FACTORY_NAME.test(k))
      .map(([, v]) => v),
  ];
  for (const f of factories) {
    if (typeof f !== 'function') continue;
    let made: unknown;
    try {
      made = (f as () => unknown)();
    } catch {
      // A factory that needs arguments throws without them: it is not the plugin to use with no configuration,
      // and the next candidate (or the register entry) is tried. Its error says nothing about the package.
      continue;
    }
    if (isPlugin(made)) return made;
  }
  return undefined;
}

function isPlugin(value: unknown): value is MinigunPlugin {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<MinigunPlugin>;
  return typeof v.name === 'string' && (Array.isArray(v.strategies) || Array.isArray(v.transports));
}

/**
 * Imports a package as the user's project sees it: from the CLI's own location first (installed together),
 * else resolved from `cwd` through the package's ESM export (never its CommonJS build, which would load a
 * second copy of @minigun/core with its own defaultRegistry). Relative specs are files under `cwd`.
 * Undefined when there is no such package or entry; a module that throws while loading is a ModuleLoadError.
 */
async function importFrom(spec: string, cwd: string): Promise<Record<string, unknown> | undefined> {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const path = resolve(cwd, spec);
    if (!existsSync(path)) throw new UsageError(`--use ${spec}: no such file ${path}.`);
    // Through the same loader as pipeline modules, so that a plugin written in TypeScript loads too.
    return load(`--use ${spec}: importing ${path}`, () => importPipelineModule(pathToFileURL(path).href));
  }
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw ModuleLoadError.of(`--use: importing ${spec}`, e);
    // Not visible from the CLI's location: looked up from cwd below, where a missing dependency of the package
    // fails again, and is reported then.
  }
  const file = resolveEsm(spec, cwd);
  return file === undefined ? undefined : load(`--use: importing ${spec} (${file})`, () => import(pathToFileURL(file).href));
}

async function load(what: string, importer: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    return (await importer()) as Record<string, unknown>;
  } catch (e) {
    throw ModuleLoadError.of(what, e);
  }
}

/** The file of `spec`'s ESM entry in the package installed where `cwd` sees it, if both exist. */
function resolveEsm(spec: string, cwd: string): string | undefined {
  const name = packageName(spec);
  const subpath = `.${spec.slice(name.length)}`;
  // The node_modules folders a require from cwd looks in; the package's own package.json need not be exported.
  const lookup = createRequire(join(cwd, 'noop.js')).resolve.paths(name) ?? [];
  const manifest = lookup.map((dir) => join(dir, name, 'package.json')).find((file) => existsSync(file));
  if (manifest === undefined) return undefined;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; module?: string; main?: string };
  if (pkg.exports !== undefined) {
    const target = esmTarget(entryOf(pkg.exports, subpath));
    return target === undefined ? undefined : join(dirname(manifest), target);
  }
  // No "exports": any file of the package is reachable, if it is there.
  const file = join(dirname(manifest), subpath === '.' ? (pkg.module ?? pkg.main ?? 'index.js') : subpath);
  return existsSync(file) ? file : undefined;
}

/** The `exports` entry of `subpath`: a string or a conditions object is the "." entry alone. */
function entryOf(exports: unknown, subpath: string): unknown {
  const keyed = exports !== null && typeof exports === 'object' && Object.keys(exports).some((k) => k.startsWith('.'));
  if (keyed) return (exports as Record<string, unknown>)[subpath];
  return subpath === '.' ? exports : undefined;
}

function esmTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry === null || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  return esmTarget(e.import) ?? esmTarget(e.default) ?? esmTarget(e.node);
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
