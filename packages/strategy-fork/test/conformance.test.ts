import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { cowForkStrategy, ipcForkStrategy } from '@minigun/strategy-fork';

describe('conformance: cow-fork', () => {
  for (const c of conformanceCases({ strategy: cowForkStrategy() })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance: ipc-fork', () => {
  for (const c of conformanceCases({ strategy: ipcForkStrategy() })) it(c.name, c.run, c.timeoutMs);
});
