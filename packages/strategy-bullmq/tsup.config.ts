import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: ['src/index.ts', 'src/register.ts', 'src/worker-cli.ts', 'src/fingerprint-thread.ts'],
  // Keep the worker entries standalone: local workers and the fingerprint thread are started by path.
  splitting: false,
});
