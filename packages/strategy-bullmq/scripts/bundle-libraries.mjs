/* global console */
/**
 * Part of the package's build (after tsup, which empties dist/): bundles BullMQ and ioredis, as installed
 * (both pinned in package.json), into one CommonJS file, dist/vendor/libraries.cjs, and writes V8's code
 * cache for it next to it, libraries.cjs.v8cache. src/libraries.ts loads them in every parent and worker
 * process. Why: a worker process spends most of its start-up loading these two packages, some 200 CommonJS
 * files resolved, read and compiled one by one; one file whose compiled code comes from the cache loads in
 * about a third of that time (measured in docs/benchmarks.md). Nothing here runs at install time.
 *
 * The cache is only valid for the V8 that wrote it (the Node running this build) and the same V8 flags; any
 * other Node rejects it and compiles the bundle instead, which is still faster than loading the packages.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outDir = join(root, 'dist', 'vendor');
const bundle = join(outDir, 'libraries.cjs');
mkdirSync(outDir, { recursive: true });

await build({
  stdin: {
    contents: "module.exports = { bullmq: require('bullmq'), ioredis: require('ioredis') };",
    resolveDir: root,
    sourcefile: 'libraries-entry.cjs',
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  // Whitespace and syntax only: names stay, so stack traces through BullMQ still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // msgpackr's optional native helper finds its binary relative to its own folder: left to `require`.
  external: ['msgpackr-extract'],
  legalComments: 'eof',
  // The file is one function expression, the CommonJS wrapper included: src/libraries.ts compiles the file
  // exactly as it is, so that the source V8 cached here is byte for byte the source it is given there.
  banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
  footer: { js: '\n})' },
  logLevel: 'warning',
});

// Run the bundle once, as src/libraries.ts does, then keep the code V8 compiled for it, top-level and the
// functions its loading ran (a cache taken before running would hold little more than the top level).
const source = readFileSync(bundle, 'utf8');
const script = new vm.Script(source, { filename: bundle, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, outDir);
if (typeof module.exports.bullmq?.Worker !== 'function' || typeof module.exports.ioredis?.Redis !== 'function') {
  throw new Error(`bundle-libraries: ${bundle} does not export bullmq.Worker and ioredis.Redis`);
}
writeFileSync(`${bundle}.v8cache`, script.createCachedData());
console.log(`bundle-libraries: ${bundle} (${(source.length / 1e6).toFixed(1)} MB) and its V8 code cache written.`);
