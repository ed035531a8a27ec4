/** The build's bundle of BullMQ and ioredis (scripts/bundle-libraries.mjs), as the strategy loads it. */
import { describe, expect, it } from 'vitest';
import { bullmq, ioredis, loadedFrom } from '../src/libraries.js';

describe('bullmq libraries', () => {
  it('load from the bundle, with a code cache this Node accepts', () => {
    expect(loadedFrom).toBe('the bundle and its code cache');
    expect(typeof bullmq.Worker).toBe('function');
    expect(typeof bullmq.Queue).toBe('function');
    expect(typeof ioredis.Redis).toBe('function');
  });
});
