import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings. Workspace packages resolve through the `source` export condition to their
 * TypeScript sources, so tests exercise the public entry (`@minigun/core`) without a build step.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The JSON report lets .ci/run print one 'N passed, N failed' line for the whole repository.
    reporters: process.env.MINIGUN_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.MINIGUN_TEST_REPORT ? { json: `${process.env.MINIGUN_TEST_REPORT}/${process.cwd().split('/').slice(-2).join('-')}.json` } : undefined,
  },
});
