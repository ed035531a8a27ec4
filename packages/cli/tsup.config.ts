import { defineConfig } from 'tsup';

export default defineConfig({
  // cli.ts is the bin (its shebang is kept); index.ts the programmatic entry. ESM only: log-update is ESM
  // only, and a command has no CommonJS consumers.
  entry: ['src/cli.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
