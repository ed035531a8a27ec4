import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { threadPerBatchStrategy, threadStrategy } from '@minigun/strategy-thread';

describe('conformance: thread', () => {
  for (const c of conformanceCases({ strategy: threadStrategy() })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance: thread-per-batch', () => {
  for (const c of conformanceCases({ strategy: threadPerBatchStrategy() })) it(c.name, c.run, c.timeoutMs);
});
