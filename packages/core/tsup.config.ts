import { packageBuild } from '../../tsup.shared.ts';

export default packageBuild({
  entry: ['src/index.ts', 'src/testing.ts', 'src/toolkit.ts'],
  // One copy of each module in the CommonJS build too (tsup splits only ESM by default): without it
  // index.cjs, testing.cjs and toolkit.cjs each carry their own MinigunError, Registry and defaultRegistry,
  // so `instanceof MinigunError` failed for errors thrown by the toolkit under require().
  splitting: true,
});
