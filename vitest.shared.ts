import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Shared vitest settings. Tests import workspace packages by name; these aliases point them at the
 * TypeScript sources, so a test exercises the public entry without a build. Aliases (not export
 * conditions) on purpose: vitest passes resolve conditions on to node as `--conditions`, which worker
 * threads and child processes inherit, and they must load the built packages.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@minigun\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@minigun\/core\/testing$/, replacement: src('core/src/testing.ts') },
      { find: /^@minigun\/core\/toolkit$/, replacement: src('core/src/toolkit.ts') },
      { find: /^@minigun\/hooks$/, replacement: src('hooks/src/index.ts') },
      { find: /^@minigun\/strategy-thread$/, replacement: src('strategy-thread/src/index.ts') },
      { find: /^@minigun\/strategy-thread\/register$/, replacement: src('strategy-thread/src/register.ts') },
      { find: /^@minigun\/strategy-fork$/, replacement: src('strategy-fork/src/index.ts') },
      { find: /^@minigun\/strategy-fork\/register$/, replacement: src('strategy-fork/src/register.ts') },
      { find: /^@minigun\/strategy-bullmq$/, replacement: src('strategy-bullmq/src/index.ts') },
      { find: /^@minigun\/strategy-bullmq\/register$/, replacement: src('strategy-bullmq/src/register.ts') },
      { find: /^@minigun\/ipc-tempfile$/, replacement: src('ipc-tempfile/src/index.ts') },
      { find: /^@minigun\/ipc-tempfile\/register$/, replacement: src('ipc-tempfile/src/register.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The JSON report lets .ci/run print one 'N passed, N failed' line for the whole repository.
    reporters: process.env.MINIGUN_TEST_REPORT ? ['default', 'json'] : ['default'],
    // MINIGUN_TEST_REPORT_TAG names a second run of the same package (e.g. the fork tests under spawn),
    // which must not overwrite the first run's report.
    outputFile: process.env.MINIGUN_TEST_REPORT
      ? {
          json: `${process.env.MINIGUN_TEST_REPORT}/${[
            ...process.cwd().split('/').slice(-2),
            ...(process.env.MINIGUN_TEST_REPORT_TAG ? [process.env.MINIGUN_TEST_REPORT_TAG] : []),
          ].join('-')}.json`,
        }
      : undefined,
  },
});
