import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  // cli.ts is the command's process, loaded by the bin (bin/minigun.js); index.ts the programmatic entry. ESM only: log-update is ESM
  // only, and a command has no CommonJS consumers.
  entry: ['src/cli.ts', 'src/index.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  shims: false,
});
