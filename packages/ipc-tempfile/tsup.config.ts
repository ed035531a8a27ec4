import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: ['src/index.ts', 'src/register.ts', 'src/writer.ts'],
  // The worker half is imported by path in workers: keep it standalone.
  splitting: false,
});
