/** Options and stage kinds the strategy refuses, before anything connects to Redis. */
import { describe, expect, it } from 'vitest';
import { Registry, pipeline } from '@minigun/core';
import { bullmqStrategies, bullmqStrategy } from '@minigun/strategy-bullmq';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
};

describe('bullmqStrategies() options', () => {
  it('refuses unknown or malformed options with ERR_MINIGUN_INVALID_OPTION; the connection has a default', () => {
    expect(bullmqStrategies().strategies?.[0]?.name).toBe('bullmq');
    expect(codeOf(() => bullmqStrategies({ connection: 42 } as never))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(codeOf(() => bullmqStrategies({ connection: 'redis://127.0.0.1:6379', prefix: 'a:b' }))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(codeOf(() => bullmqStrategies({ connection: 'redis://127.0.0.1:6379', localWorkers: -1 }))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(codeOf(() => bullmqStrategies({ connection: 'redis://127.0.0.1:6379', maxChunk: 0 }))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(codeOf(() => bullmqStrategies({ connection: 'redis://127.0.0.1:6379', spares: 2 } as never))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(bullmqStrategy({ connection: { host: '127.0.0.1', port: 6379 } }).name).toBe('bullmq');
  });

  it('refuses a runTtlMs below 1000 or below 2 × stalledIntervalMs, saying why', () => {
    expect(codeOf(() => bullmqStrategies({ runTtlMs: 999 }))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(codeOf(() => bullmqStrategies({ runTtlMs: 1500.5 }))).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect(codeOf(() => bullmqStrategies({ runTtlMs: 2000, stalledIntervalMs: 1001 }))).toBe('ERR_MINIGUN_INVALID_OPTION');
    // The default follows stalledIntervalMs: a long interval never meets a TTL shorter than twice it.
    expect(codeOf(() => bullmqStrategies({ stalledIntervalMs: 60_000 }))).toBeUndefined();
    expect(codeOf(() => bullmqStrategies({ runTtlMs: 2000, stalledIntervalMs: 1000 }))).toBeUndefined();
    let message = '';
    try {
      bullmqStrategies({ runTtlMs: 2000, stalledIntervalMs: 1500 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/runTtlMs \(2000\) must be at least 2 × stalledIntervalMs \(3000\).*Raise runTtlMs or lower stalledIntervalMs/);
  });

  it('refuses a producer or a custom stage on bullmq before the run starts, saying what to do', async () => {
    const registry = new Registry().use(bullmqStrategies({ connection: 'redis://127.0.0.1:1' }));
    const producerOnBullmq = pipeline('bullmq-producer', { module: import.meta.url }, (p) => {
      p.producer('source', { strategy: 'bullmq' }, () => [1, 2]);
      p.consumer('sink', () => undefined);
    });
    const error = await producerOnBullmq.run({ registry }).then(
      (r) => r.error,
      (e: unknown) => e as Error,
    );
    expect((error as Error & { code?: string }).code).toBe('ERR_MINIGUN_INVALID_OPTION');
    expect((error as Error).message).toMatch(/"source".*producer.*Run the producer inline/);
  });
});
