/**
 * Reading records back from disk, streaming: one buffer of 64 KiB is reused for small frames and a large
 * frame is read straight into a buffer of its own size, so the parent holds at most one frame's bytes at a
 * time (one batch: at most `batchBytes`, or one record larger than that), whatever the size of the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ErrorCodes, MinigunError, type Emission } from '@minigun/core';
import { HEADER_BYTES, decodePayload, readHeader } from './frame.js';
import type { RecordFormat } from './options.js';

const CHUNK = 64 << 10;

export interface ReadOptions {
  /** Default `'v8'`. */
  readonly format?: RecordFormat;
  /** Byte range to read (default: the whole file). */
  readonly start?: number;
  readonly end?: number;
  /**
   * A frame cut short at the end of the range: `'drop'` (default) ends the read there — what a writer
   * killed mid-write leaves; `'throw'` fails the read (the range was promised to be complete). A frame that
   * is not at the end and does not check out is always an error: it is never parsed as data.
   */
  readonly torn?: 'drop' | 'throw';
}

/** Streams the records of a file (or of a byte range of it), in the order they were written. */
export async function* readRecords(path: string, options: ReadOptions = {}): AsyncGenerator<Emission, void, undefined> {
  const fh = await openRecordFile(path);
  try {
    yield* readRange(fh, path, options);
  } finally {
    await fh.close();
  }
}

export async function openRecordFile(path: string): Promise<FileHandle> {
  return open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new MinigunError(
      ErrorCodes.TRANSPORT,
      `Cannot read the record file ${path}: ${error.message}. It was removed while the run still needed it (the run ended, or something cleaned the directory).`,
      { cause: error },
    );
  });
}

/** `readRecords` over a file already open (several ranges of one file share one handle). */
export async function* readRange(fh: FileHandle, path: string, options: ReadOptions = {}): AsyncGenerator<Emission, void, undefined> {
  const format = options.format ?? 'v8';
  const end = options.end ?? (await fh.stat()).size;
  const reader = new RangeReader(fh, end);
  const fail = (at: number, reason: string): MinigunError =>
    new MinigunError(ErrorCodes.TRANSPORT, `The frame of records at byte ${at} of ${path} is ${reason}; it is not delivered.`);
  for (let at = options.start ?? 0; at < end; ) {
    const header = await reader.take(at, HEADER_BYTES);
    if (header === undefined) {
      if (options.torn === 'throw') throw fail(at, 'torn (its header is cut short)');
      return;
    }
    const check = readHeader(header);
    if (!check.ok) throw fail(at, `corrupt: ${check.reason}`);
    const payload = await reader.take(at + HEADER_BYTES, check.length);
    const last = at + HEADER_BYTES + check.length >= end;
    const batch = payload === undefined ? undefined : decodePayload(payload, check.crc, format);
    if (batch === undefined) {
      if (!last || options.torn === 'throw') throw fail(at, payload === undefined ? 'torn (cut short)' : 'corrupt (checksum mismatch)');
      return; // a torn final frame: the writer died while writing it
    }
    at += HEADER_BYTES + check.length;
    yield* batch;
  }
}

/** Serves byte ranges of a file from one reused buffer, or from a buffer of their own when large. */
class RangeReader {
  private buf = Buffer.allocUnsafe(CHUNK);
  private bufStart = 0;
  private bufLen = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly end: number,
  ) {}

  /** `n` bytes at `at`, valid until the next call; undefined when the range or the file ends first. */
  async take(at: number, n: number): Promise<Buffer | undefined> {
    if (at + n > this.end) return undefined;
    if (at >= this.bufStart && at + n <= this.bufStart + this.bufLen) return this.buf.subarray(at - this.bufStart, at - this.bufStart + n);
    if (n > CHUNK / 2) {
      const own = Buffer.allocUnsafe(n);
      return (await this.fill(own, at, n)) === n ? own : undefined;
    }
    const len = Math.min(CHUNK, this.end - at);
    this.bufLen = await this.fill(this.buf, at, len);
    this.bufStart = at;
    return this.bufLen >= n ? this.buf.subarray(0, n) : undefined;
  }

  private async fill(into: Buffer, at: number, n: number): Promise<number> {
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.fh.read(into, got, n - got, at + got);
      if (bytesRead === 0) break; // the file is shorter than the range
      got += bytesRead;
    }
    return got;
  }
}
