import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { cowForkStrategy, ipcForkStrategy } from '@minigun/strategy-fork';

// A cow-fork child per input: the 100-input case starts 100 Node processes, which a loaded machine can take
// well over 30 s to do; the bound is there to catch hangs, not slowness.
describe('conformance: cow-fork', () => {
  for (const c of conformanceCases({ strategy: cowForkStrategy(), timeoutMs: 120_000 })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance: ipc-fork', () => {
  for (const c of conformanceCases({ strategy: ipcForkStrategy() })) it(c.name, c.run, c.timeoutMs);
});
