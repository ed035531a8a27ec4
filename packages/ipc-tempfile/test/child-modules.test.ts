/**
 * A fork child pays for every module it loads at start-up. Neither the child entry nor the tempfile
 * transport's worker half loads node:worker_threads in a child process (the thread id of a child's main
 * thread is known to be 0), whatever the child has run.
 */
import { describe, expect, it } from 'vitest';
import { Registry } from '@minigun/core';
import { forkStrategies } from '@minigun/strategy-fork';
import { tempfilePlugin } from '@minigun/ipc-tempfile';
import { childModules } from './fixtures/child-modules.mjs';

describe('fork children with the tempfile transport', () => {
  it('never load node:worker_threads', async () => {
    const r = await childModules.run({ registry: new Registry().use(forkStrategies()).use(tempfilePlugin()) });
    expect(r.status).toBe('completed');
    expect(r.errors).toEqual([]);
    const reports = [...(r.collected.ipc ?? []), ...(r.collected.cow ?? [])] as Array<{ n: number; workerThreads: string[] }>;
    expect(reports).toHaveLength(8);
    for (const report of reports) expect(report.workerThreads, `input ${report.n}`).toEqual([]);
  });
});
