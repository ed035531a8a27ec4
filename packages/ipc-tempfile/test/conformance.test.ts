import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { conformanceCases } from '@minigun/core/testing';
import { tempfileTransport } from '@minigun/ipc-tempfile';
import { cowForkStrategy, ipcForkStrategy } from '@minigun/strategy-fork';
import { threadPerBatchStrategy, threadStrategy } from '@minigun/strategy-thread';

// Every isolated strategy of this repository, with the stage under test on the tempfile transport, in both
// file layouts (one file per worker group; one shared file under a lock). After every case, the transport's
// directory must be empty again: no run directory, record file or lock left. The bound is wide: with cow-fork a
// case starts a child per input (100 for the largest), which takes 30-50 s on a loaded two-core machine.
for (const [layout, options] of [
  ['private files', {}],
  ['shared file', { shared: true }],
] as const) {
  describe(`conformance over tempfile (${layout})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-tempfile-conformance-'));
    afterEach(() => expect(readdirSync(dir)).toEqual([]));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    for (const strategy of [cowForkStrategy(), ipcForkStrategy(), threadStrategy(), threadPerBatchStrategy()]) {
      for (const c of conformanceCases({ strategy, transport: tempfileTransport({ dir, ...options }), timeoutMs: 180_000 })) it(c.name, c.run, c.timeoutMs);
    }
  });
}
