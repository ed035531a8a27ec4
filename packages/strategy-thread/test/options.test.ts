/**
 * Factory options are checked once, when the factory is called: a bad value fails at once with
 * ERR_MINIGUN_INVALID_OPTION naming the option, the value and the accepted range (NaN used to hang a run).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@minigun/core';
import { threadPerBatchStrategy, threadStrategies, threadStrategy } from '@minigun/strategy-thread';
import { basic } from './fixtures/pipelines.ts';
import { registry } from './util.ts';

const fails = (fn: () => unknown, ...parts: string[]): void => {
  let error: (Error & { code?: string }) | undefined;
  try {
    fn();
  } catch (e) {
    error = e as Error & { code?: string };
  }
  expect(error, 'expected the factory to throw').toBeDefined();
  expect(error!.code).toBe(ErrorCodes.INVALID_OPTION);
  for (const part of parts) expect(error!.message).toContain(part);
};

describe('thread strategy factory options', () => {
  const factories = [
    ['threadStrategies()', threadStrategies],
    ['threadStrategy()', threadStrategy],
  ] as const;
  for (const [name, factory] of factories) {
    it(`${name}: maxChunk must be a whole number from 1 to 10000`, () => {
      for (const bad of [Number.NaN, 0, -1, 1.5, Infinity, 10_001, '8'])
        fails(() => factory({ maxChunk: bad as number }), name, 'maxChunk', 'a whole number from 1 to 10000', bad === '8' ? '"8"' : String(bad));
    });

    it(`${name}: terminateTimeoutMs and resourceLimits are checked`, () => {
      fails(() => factory({ terminateTimeoutMs: -1 }), 'terminateTimeoutMs', '-1', 'milliseconds');
      fails(() => factory({ terminateTimeoutMs: Number.NaN }), 'terminateTimeoutMs', 'NaN');
      fails(() => factory({ resourceLimits: { maxOldGenerationSizeMb: 0 } }), 'resourceLimits', 'maxOldGenerationSizeMb');
      fails(() => factory({ resourceLimits: { maxOldGenrationSizeMb: 64 } as never }), 'resourceLimits', 'maxOldGenrationSizeMb');
    });

    it(`${name}: an unknown option is refused, listing the known ones`, () => {
      fails(() => factory({ maxChunks: 8 } as never), `${name} has no option "maxChunks"`, 'maxChunk, terminateTimeoutMs, resourceLimits');
      fails(() => factory(null as never), 'expects an options object');
    });
  }

  it('threadPerBatchStrategy() refuses maxChunk, which only the thread strategy uses', () => {
    fails(() => threadPerBatchStrategy({ maxChunk: 8 } as never), 'threadPerBatchStrategy() does not take option "maxChunk"', 'thread strategy');
  });

  it('valid options are taken: a run with maxChunk 1, a terminate timeout and memory limits completes', async () => {
    const r = await basic.run({
      state: { factor: 2 },
      registry: registry({ maxChunk: 1, terminateTimeoutMs: 1000, resourceLimits: { maxOldGenerationSizeMb: 256 } }),
    });
    expect(r.status).toBe('completed');
    expect((r.collected.out as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});
