import { closeSync, openSync, readFileSync, writeFileSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type Emission } from '@minigun/core';
import { encodeRecords, HEADER_BYTES, readRecords } from '@minigun/ipc-tempfile';
import { expectNothingLeft, scratch } from './util';

afterEach(expectNothingLeft);

async function all(it: AsyncIterable<Emission>): Promise<Emission[]> {
  const out: Emission[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** Writes one frame per record (or per batch); returns where each frame ends. */
function write(file: string, emissions: Emission[], format: 'v8' | 'json' = 'v8', perFrame = 1): number[] {
  const fd = openSync(file, 'w');
  const ends: number[] = [];
  let at = 0;
  for (let i = 0; i < emissions.length; i += perFrame) {
    const [h, p] = encodeRecords(emissions.slice(i, i + perFrame), format);
    writevSync(fd, [h, p]);
    at += h.length + p.length;
    ends.push(at);
  }
  closeSync(fd);
  return ends;
}

const records: Emission[] = [
  { kind: 'emit', item: { id: 1, when: new Date(0), tags: new Set(['a']), bytes: new Uint8Array([1, 2, 3]) } },
  { kind: 'collect', key: 'stats', value: new Map([['n', 1]]) },
  { kind: 'emit', item: 'x'.repeat(200_000), to: 'elsewhere' },
  { kind: 'emit', item: null },
];

describe('records on disk', () => {
  it('round-trips every structured-clone value (v8), small and large, in order', async () => {
    const file = join(scratch(), 'r.rec');
    write(file, records);
    expect(await all(readRecords(file))).toEqual(records);
  });

  it('reads frames of several records each, in order', async () => {
    const file = join(scratch(), 'r.rec');
    const many: Emission[] = Array.from({ length: 100 }, (_, i) => ({ kind: 'emit', item: { i } }));
    write(file, many, 'v8', 7);
    expect(await all(readRecords(file))).toEqual(many);
  });

  it('round-trips JSON records', async () => {
    const file = join(scratch(), 'r.rec');
    const plain: Emission[] = [
      { kind: 'emit', item: { a: [1, 'two', { three: true }] } },
      { kind: 'collect', key: 'k', value: 4.5 },
    ];
    write(file, plain, 'json');
    expect(await all(readRecords(file, { format: 'json' }))).toEqual(plain);
  });

  it('reads a byte range', async () => {
    const file = join(scratch(), 'r.rec');
    const ends = write(file, records);
    expect(await all(readRecords(file, { start: ends[0], end: ends[2] }))).toEqual(records.slice(1, 3));
  });

  it('drops a torn final record (a writer killed mid-write), whether its header or its payload is cut', async () => {
    const file = join(scratch(), 'r.rec');
    const ends = write(file, records);
    const full = readFileSync(file);
    for (const cut of [ends[2]! + 3, ends[2]! + HEADER_BYTES + 5, full.length - 1]) {
      writeFileSync(file, full.subarray(0, cut));
      expect(await all(readRecords(file))).toEqual(records.slice(0, 3));
    }
  });

  it('refuses a torn record in a range promised complete, and never parses garbage', async () => {
    const file = join(scratch(), 'r.rec');
    const ends = write(file, records);
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, ends[3]! - 1));
    await expect(all(readRecords(file, { torn: 'throw' }))).rejects.toMatchObject({ code: ErrorCodes.TRANSPORT, message: expect.stringContaining('torn') });
    // A flipped byte inside an earlier record: its checksum no longer matches.
    const corrupt = Buffer.from(full);
    corrupt[ends[0]! + HEADER_BYTES + 2]! ^= 0xff;
    writeFileSync(file, corrupt);
    await expect(all(readRecords(file))).rejects.toMatchObject({ code: ErrorCodes.TRANSPORT, message: expect.stringMatching(/byte \d+ of .*corrupt/) });
    // Bytes that are not records at all.
    writeFileSync(file, Buffer.from('hello, this is not a record file'));
    await expect(all(readRecords(file))).rejects.toMatchObject({ code: ErrorCodes.TRANSPORT, message: expect.stringContaining('bad magic') });
  });

  it('checks large frames by their head and tail: a torn or damaged one is never delivered', async () => {
    const file = join(scratch(), 'r.rec');
    const big: Emission[] = [
      { kind: 'emit', item: Buffer.alloc(1 << 20, 7) },
      { kind: 'emit', item: 'after' },
    ];
    const ends = write(file, big);
    const read = await all(readRecords(file));
    expect(read).toHaveLength(2);
    expect(Buffer.compare((read[0] as { item: Buffer }).item, Buffer.alloc(1 << 20, 7))).toBe(0);
    expect(read[1]).toEqual(big[1]);
    const full = readFileSync(file);
    // Torn: the large frame cut short (and nothing after it) is dropped as a torn final frame.
    writeFileSync(file, full.subarray(0, ends[0]! - 1000));
    expect(await all(readRecords(file))).toEqual([]);
    // Damaged at its start or its end: refused, with the next frame never reached.
    for (const at of [HEADER_BYTES + 100, ends[0]! - 100]) {
      const damaged = Buffer.from(full);
      damaged[at]! ^= 0xff;
      writeFileSync(file, damaged);
      await expect(all(readRecords(file))).rejects.toMatchObject({ code: ErrorCodes.TRANSPORT, message: expect.stringContaining('checksum') });
    }
  });

  it('names the file when it is missing', async () => {
    await expect(all(readRecords('/nonexistent/minigun.rec'))).rejects.toMatchObject({
      code: ErrorCodes.TRANSPORT,
      message: expect.stringContaining('/nonexistent/minigun.rec'),
    });
  });
});
