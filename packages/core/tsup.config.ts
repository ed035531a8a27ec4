import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing.ts', 'src/toolkit.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CJS build (fixture pipelines name their module with it).
  shims: true,
  // One copy of each module in the CommonJS build too (tsup splits only ESM by default): without it
  // index.cjs, testing.cjs and toolkit.cjs each carry their own MinigunError, Registry and defaultRegistry,
  // so `instanceof MinigunError` failed for errors thrown by the toolkit under require().
  splitting: true,
});
