/**
 * BullMQ and ioredis, as every process of the strategy (parent and workers) loads them. A worker process
 * spends most of its start-up here, so the build bundles both packages into one file with V8's code cache
 * beside it (scripts/bundle-libraries.mjs): loading that takes about a third of the time `require` takes to
 * resolve, read and compile their some 200 files. Without the bundle (the package not built, as when tests
 * run from src/), both come from `require`; a cache another V8 wrote is rejected by V8 and the bundle is
 * compiled instead. Either way they are the packages pinned in package.json.
 *
 * `require`, not `import`: both are CommonJS, and for an `import` Node first scans the source of BullMQ's
 * entry and of every module it re-exports (its whole tree) to find named exports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

interface Libraries {
  readonly bullmq: typeof import('bullmq');
  readonly ioredis: typeof import('ioredis');
}

/** The bundle, resolved from src/ (tests) and dist/ alike. */
const BUNDLE = fileURLToPath(new URL('../dist/vendor/libraries.cjs', import.meta.url));

/** How this process loaded them (read by the package's tests, to see that the build's cache is used). */
export let loadedFrom: 'the bundle and its code cache' | 'the bundle' | 'require' = 'require';

function loadLibraries(): Libraries {
  if (!existsSync(BUNDLE)) {
    const load = createRequire(import.meta.url);
    return { bullmq: load('bullmq') as Libraries['bullmq'], ioredis: load('ioredis') as Libraries['ioredis'] };
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${BUNDLE}.v8cache`);
  } catch {
    // no cache: V8 compiles the bundle
  }
  // The file is a function expression: the CommonJS wrapper, as the build wrote it and cached it.
  const script = new vm.Script(readFileSync(BUNDLE, 'utf8'), {
    filename: BUNDLE,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  loadedFrom = cachedData !== undefined && !script.cachedDataRejected ? 'the bundle and its code cache' : 'the bundle';
  const module = { exports: {} as Libraries };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return module.exports;
}

const libraries = loadLibraries();

/** BullMQ's module (its types come from `import type … from 'bullmq'` as usual). */
export const bullmq = libraries.bullmq;
/** ioredis's module. */
export const ioredis = libraries.ioredis;
