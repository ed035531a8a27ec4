import { describe, expect, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { tempfileTransport } from '@minigun/ipc-tempfile';
import { wtpStrategy } from '../plugins/wtp/src/index.ts';

// The third-party-style plugin passes the same conformance suite as the strategies of this repository,
// over the default channel and over the tempfile transport (which it gets for free through emissionsOf). It
// has no StageExecutor.stream, so it refuses custom stages (p.stage) and skips their cases.
describe('conformance: wtp (node-worker-threads-pool)', () => {
  for (const c of conformanceCases({ strategy: wtpStrategy(), customStages: false })) it(c.name, c.run, c.timeoutMs);
});

describe('conformance: wtp over tempfile', () => {
  for (const c of conformanceCases({ strategy: wtpStrategy(), transport: tempfileTransport(), timeoutMs: 60_000 })) it(c.name, c.run, c.timeoutMs);
});

describe('wtp: factory options', () => {
  it('refuses a bad or unknown option when the factory is called', () => {
    expect(() => wtpStrategy({ resourceLimits: { maxOldGenerationSizeMb: -1 } })).toThrow(/wtpStrategy\(\): option resourceLimits must be/);
    expect(() => wtpStrategy({ size: 4 } as never)).toThrow(/wtpStrategy\(\) has no option "size"/);
  });
});
