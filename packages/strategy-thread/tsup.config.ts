import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: ['src/index.ts', 'src/register.ts', 'src/worker.ts'],
  // Keep the worker entry standalone: tinypool loads it by path.
  splitting: false,
});
