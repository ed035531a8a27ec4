import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { bullmqStrategy } from '@minigun/strategy-bullmq';
import { redisForFile } from './util.js';

const redis = redisForFile();

describe('conformance: bullmq with local workers', () => {
  // The strategy is created lazily: the Redis URL is known only once the server runs.
  const strategy = {
    name: 'bullmq',
    isolated: true,
    validate: (stage: Parameters<NonNullable<ReturnType<typeof bullmqStrategy>['validate']>>[0]) => real().validate?.(stage),
    createExecutor: (host: Parameters<ReturnType<typeof bullmqStrategy>['createExecutor']>[0]) => real().createExecutor(host),
  };
  let made: ReturnType<typeof bullmqStrategy> | undefined;
  const real = () =>
    (made ??= bullmqStrategy({ connection: redis.url, localWorkers: 2, lockDurationMs: 2000, stalledIntervalMs: 1000, noWorkerTimeoutMs: 20_000 }));
  // Producers and custom stages are refused on bullmq before the run (see the README): their cases do not apply.
  for (const c of conformanceCases({ strategy, producers: false, customStages: false, timeoutMs: 60_000 })) it(c.name, c.run, c.timeoutMs);
  it('leaves no key of any run in Redis', async () => {
    const keys = await redis.keys('*:minigun:run:*');
    if (keys.length > 0) throw new Error(`keys left: ${keys.join(', ')}`);
  });
});
