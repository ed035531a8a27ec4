/**
 * The record format on disk. One record is one emission (an emit or a collect):
 *
 *   magic 'MG' (2 bytes) | payload length (u32 LE) | CRC-32 of the payload (u32 LE) | payload
 *
 * The length lets a reader skip from record to record; the CRC tells a complete record from a torn one (a
 * writer killed mid-write) or from bytes that are not records at all, so neither is ever parsed as data.
 */
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { Emission } from '@minigun/core';
import type { RecordFormat } from './options.js';

export const HEADER_BYTES = 10;
const MAGIC = 0x474d; // 'MG' read as a little-endian u16

/** Header and payload of one record (two buffers, so a large payload is never copied into a bigger one). */
export function encodeRecord(emission: Emission, format: RecordFormat): [Buffer, Buffer] {
  const payload = format === 'v8' ? serialize(emission) : Buffer.from(JSON.stringify(emission), 'utf8');
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt16LE(MAGIC, 0);
  header.writeUInt32LE(payload.length, 2);
  header.writeUInt32LE(crc32(payload), 6);
  return [header, payload];
}

export type HeaderCheck = { readonly ok: true; readonly length: number; readonly crc: number } | { readonly ok: false; readonly reason: string };

export function readHeader(header: Buffer, at = 0): HeaderCheck {
  if (header.readUInt16LE(at) !== MAGIC) return { ok: false, reason: 'no record starts here (bad magic)' };
  return { ok: true, length: header.readUInt32LE(at + 2), crc: header.readUInt32LE(at + 6) };
}

export function decodePayload(payload: Buffer, crc: number, format: RecordFormat): Emission | undefined {
  if (crc32(payload) !== crc) return undefined;
  return (format === 'v8' ? deserialize(payload) : JSON.parse(payload.toString('utf8'))) as Emission;
}
