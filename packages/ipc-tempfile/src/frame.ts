/**
 * The format on disk. A file is a sequence of frames; one frame holds a batch of records (emits and
 * collects) serialised together, so that reading back costs one deserialisation per batch, not per record:
 *
 *   magic 'MG' (2 bytes) | payload length (u32 LE) | CRC-32 of the payload (u32 LE) | payload
 *
 * The payload is the batch as an array (v8 serialisation, or JSON text). The length lets a reader skip from
 * frame to frame; the CRC tells a complete frame from a torn one (a writer killed mid-write) or from bytes
 * that are not frames at all, so neither is ever parsed as data. For payloads above 128 KiB the CRC covers
 * the first and the last 64 KiB: enough to tell a torn or misplaced frame (a frame is written front to back
 * and a torn one is also short), at a fixed cost per frame rather than a pass over every megabyte; it is not
 * a guard against disk corruption inside a large record (durability is not promised: records live for one run).
 */
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { Emission } from '@minigun/core';
import type { RecordFormat } from './options.js';

export const HEADER_BYTES = 10;
const MAGIC = 0x474d; // 'MG' read as a little-endian u16

/** Header and payload of one frame (two buffers, so a large payload is never copied into a bigger one). */
export function encodeRecords(emissions: readonly Emission[], format: RecordFormat): [Buffer, Buffer] {
  const payload = format === 'v8' ? serialize(emissions) : Buffer.from(JSON.stringify(emissions), 'utf8');
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt16LE(MAGIC, 0);
  header.writeUInt32LE(payload.length, 2);
  header.writeUInt32LE(checksum(payload), 6);
  return [header, payload];
}

const SAMPLE = 64 << 10;

/** CRC-32 of the payload, or of its first and last 64 KiB when it is larger than 128 KiB. */
function checksum(payload: Buffer): number {
  if (payload.length <= 2 * SAMPLE) return crc32(payload);
  return crc32(payload.subarray(payload.length - SAMPLE), crc32(payload.subarray(0, SAMPLE)));
}

export type HeaderCheck = { readonly ok: true; readonly length: number; readonly crc: number } | { readonly ok: false; readonly reason: string };

export function readHeader(header: Buffer, at = 0): HeaderCheck {
  if (header.readUInt16LE(at) !== MAGIC) return { ok: false, reason: 'no frame starts here (bad magic)' };
  return { ok: true, length: header.readUInt32LE(at + 2), crc: header.readUInt32LE(at + 6) };
}

/** The records of a frame, or undefined when its checksum does not match. */
export function decodePayload(payload: Buffer, crc: number, format: RecordFormat): Emission[] | undefined {
  if (checksum(payload) !== crc) return undefined;
  return (format === 'v8' ? deserialize(payload) : JSON.parse(payload.toString('utf8'))) as Emission[];
}

/**
 * A cheap, shallow estimate of a record's size, to decide when a batch is big enough to write: exact for
 * the common large values (buffers, strings) at the top of the item, a few bytes for anything else.
 */
export function approxSize(emission: Emission): number {
  if (emission.kind === 'total') return 32;
  return 32 + sizeOf(emission.kind === 'emit' ? emission.item : emission.value, 1);
}

function sizeOf(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 8;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (depth <= 0) return 64;
  let n = 16;
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, 64); i++) n += sizeOf(value[i], depth - 1);
    return value.length > 64 ? Math.round((n * value.length) / 64) : n;
  }
  for (const key in value) n += key.length + sizeOf((value as Record<string, unknown>)[key], depth - 1);
  return n;
}
