import { describe, expect, it } from 'vitest';
import { Registry } from '@minigun/core';
import { threadStrategies } from '@minigun/strategy-thread';
import { basic } from './fixtures/pipelines';

describe('thread smoke', () => {
  it('runs a stage in worker threads', async () => {
    const r = await basic.run({ state: { factor: 3 }, registry: new Registry().use(threadStrategies()) });
    console.log(r.errors.map((e) => [e.message, (e.error as { cause?: unknown }).cause]));
    expect(r.status).toBe('completed');
    expect([...(r.collected.out as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 3));
  });
});
