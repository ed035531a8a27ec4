/**
 * Messages over a byte stream (the fork server's control channel, a forked child's socket): each frame is a
 * 4-byte little-endian length and a v8.serialize body, so values cross with structured-clone semantics,
 * like process IPC with 'advanced' serialisation.
 */
import { deserialize, serialize } from 'node:v8';

export function encodeFrame(message: unknown): Buffer {
  const body = serialize(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Cuts a stream of chunks back into messages. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: unknown[] = [];
    let at = 0;
    while (this.pending.length - at >= 4) {
      const length = this.pending.readUInt32LE(at);
      if (this.pending.length - at - 4 < length) break;
      messages.push(deserialize(this.pending.subarray(at + 4, at + 4 + length)));
      at += 4 + length;
    }
    this.pending = at === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(at);
    return messages;
  }
}
