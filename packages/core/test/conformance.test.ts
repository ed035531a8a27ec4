import { describe, it } from 'vitest';
import { inlineStrategy } from '@minigun/core';
import { conformanceCases } from '@minigun/core/testing';
import { deferredStrategy } from './plugin-deferred';

describe('conformance suite against the inline strategy', () => {
  for (const c of conformanceCases({ strategy: inlineStrategy })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance suite against a plugin strategy (executor path)', () => {
  for (const c of conformanceCases({ strategy: deferredStrategy })) it(c.name, c.run, c.timeoutMs);
});
