/** `@minigun/strategy-thread/register` adds both strategies to defaultRegistry (its own file: it mutates a global). */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, defaultRegistry } from '@minigun/core';
import { basic } from './fixtures/pipelines.ts';

describe('@minigun/strategy-thread/register', () => {
  it('adds thread and thread-per-batch to defaultRegistry; a run without a registry then uses them', async () => {
    expect(defaultRegistry.strategy('thread')).toBeUndefined();
    await expect(basic.run({ state: { factor: 2 } })).rejects.toMatchObject({ code: ErrorCodes.UNKNOWN_STRATEGY });

    await import('@minigun/strategy-thread/register');

    for (const name of ['thread', 'thread-per-batch']) {
      const s = defaultRegistry.strategy(name);
      expect(s?.name).toBe(name);
      expect(s?.isolated).toBe(true);
    }
    const r = await basic.run({ state: { factor: 2 } });
    expect(r.status).toBe('completed');
    expect([...(r.collected.out as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});
