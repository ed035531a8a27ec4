import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  // cli.ts is the bin (its shebang is kept); index.ts the programmatic entry. ESM only: log-update is ESM
  // only, and a command has no CommonJS consumers.
  entry: ['src/cli.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  shims: false,
});
