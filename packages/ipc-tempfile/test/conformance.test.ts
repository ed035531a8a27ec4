import { describe, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { tempfileTransport } from '@minigun/ipc-tempfile';
import { cowForkStrategy, ipcForkStrategy } from '@minigun/strategy-fork';
import { threadPerBatchStrategy, threadStrategy } from '@minigun/strategy-thread';

// Every isolated strategy of this repository, with the stage under test on the tempfile transport, in both
// file layouts (one file per worker group; one shared file under a lock).
for (const [layout, options] of [['private files', {}], ['shared file', { shared: true }]] as const) {
  describe(`conformance over tempfile (${layout})`, () => {
    for (const strategy of [cowForkStrategy(), ipcForkStrategy(), threadStrategy(), threadPerBatchStrategy()]) {
      for (const c of conformanceCases({ strategy, transport: tempfileTransport(options), timeoutMs: 60_000 })) it(c.name, c.run, c.timeoutMs);
    }
  });
}
