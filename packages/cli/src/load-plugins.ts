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
import { UsageError } from './usage-error.js';

const FACTORY_NAME = /(?:Strategies|Transports|Plugin)$/;

export async function usePlugins(specs: readonly string[], registry: Registry, cwd: string): Promise<void> {
  for (const spec of specs) {
    const exports = await importFrom(spec, cwd);
    const plugin = pluginIn(exports);
    if (plugin !== undefined) {
      // The module may have registered the same strategies already (import '<pkg>/register').
      const names = [...(plugin.strategies ?? []).map((s) => s.name)];
      const known = names.length > 0 && names.every((n) => registry.strategies.includes(n));
      if (!known) registry.use(plugin);
      continue;
    }
    try {
      await importFrom(`${spec}/register`, cwd);
    } catch {
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
      continue; // a factory that needs arguments: not ours to guess
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
 */
async function importFrom(spec: string, cwd: string): Promise<Record<string, unknown>> {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const path = resolve(cwd, spec);
    if (!existsSync(path)) throw new UsageError(`--use ${spec}: no such file ${path}.`);
    // Through the same loader as pipeline modules, so that a plugin written in TypeScript loads too.
    return importPipelineModule(pathToFileURL(path).href);
  }
  try {
    return (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' && (e as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e;
  }
  const file = resolveEsm(spec, cwd);
  if (file === undefined) throw new UsageError(`--use ${spec}: cannot find the package from ${cwd}. Install it (npm install ${packageName(spec)}).`);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

function resolveEsm(spec: string, cwd: string): string | undefined {
  const name = packageName(spec);
  const subpath = `.${spec.slice(name.length)}`;
  let manifest: string;
  try {
    manifest = createRequire(join(cwd, 'noop.js')).resolve(`${name}/package.json`);
  } catch {
    return undefined;
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown>; module?: string; main?: string };
  const target = pkg.exports === undefined ? (subpath === '.' ? (pkg.module ?? pkg.main) : subpath) : esmTarget(pkg.exports[subpath]);
  return target === undefined ? undefined : join(dirname(manifest), target);
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
