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
    reporters: ['default'],
  },
});
