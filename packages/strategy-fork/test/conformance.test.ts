import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { cowForkStrategy, ipcForkStrategy } from '@minigun/strategy-fork';
import { COW_START } from './util.ts';

describe(`conformance: cow-fork (start: ${COW_START ?? 'auto'})`, () => {
  for (const c of conformanceCases({ strategy: cowForkStrategy({ start: COW_START }) })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance: ipc-fork', () => {
  for (const c of conformanceCases({ strategy: ipcForkStrategy() })) it(c.name, c.run, c.timeoutMs);
});
