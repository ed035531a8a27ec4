import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { cowForkStrategy, ipcForkStrategy } from '@minigun/strategy-fork';
import { COW_START } from './util.ts';

describe(`conformance: cow-fork (start: ${COW_START ?? 'auto'})`, () => {
  // A Node start per input (spawn) on a loaded 2-core machine: the 200-input cases need more than the default 30 s;
  // the bound is there to catch hangs, not slowness.
  for (const c of conformanceCases({ strategy: cowForkStrategy({ start: COW_START }), timeoutMs: 120_000 })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance: ipc-fork', () => {
  for (const c of conformanceCases({ strategy: ipcForkStrategy() })) it(c.name, c.run, c.timeoutMs);
});
