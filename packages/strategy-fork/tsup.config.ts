import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: ['src/index.ts', 'src/register.ts', 'src/child.ts', 'src/fork-server.ts'],
  // Keep the child and fork-server entries standalone: they are started by path.
  splitting: false,
});
