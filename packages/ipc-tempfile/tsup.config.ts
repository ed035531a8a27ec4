import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/register.ts', 'src/writer.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CJS build (the worker half is found relative to it).
  shims: true,
  // The worker half is imported by path in workers: keep it standalone.
  splitting: false,
});
