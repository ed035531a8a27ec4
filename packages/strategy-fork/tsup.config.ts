import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: ['src/index.ts', 'src/register.ts', 'src/child.ts'],
  // Keep the child entry standalone: it is started by path.
  splitting: false,
});
