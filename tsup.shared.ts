/**
 * The build every published package shares: ESM and CommonJS with declarations and source maps, for Node 20,
 * with `import.meta.url` shimmed in the CommonJS build (packages locate their worker entries and optional
 * modules relative to it). Each package's tsup.config.ts gives its entries and says why it differs.
 */
import { defineConfig, type Options } from 'tsup';

export function packageBuild(options: Options & { entry: string[] }): ReturnType<typeof defineConfig> {
  return defineConfig({
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    shims: true,
    ...options,
  });
}
