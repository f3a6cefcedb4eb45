// MongoDB wire framing: every message starts with a 16-byte little-endian header
// (messageLength, requestID, responseTo, opCode). See the MongoDB Wire Protocol reference.
import { serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

/** Largest message the double accepts; the value it advertises as maxMessageSizeBytes. */
export const MAX_MESSAGE_BYTES = 48_000_000;
/** Largest BSON document; the value it advertises as maxBsonObjectSize. */
export const MAX_BSON_BYTES = 16 * 1024 * 1024;

/** One framed message as it arrived on the socket. */
export interface WireMessage {
  requestId: number;
  responseTo: number;
  opCode: number;
  body: Buffer;
}

/** Thrown when the byte stream cannot be framed; the connection must be closed. */
export class FramingError extends Error {}

/**
 * Splits a TCP byte stream into messages. Chunks are kept in a list until a whole frame is there,
 * so a large message costs one concatenation, not one per chunk.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes and returns the messages now complete; throws FramingError on an impossible length. */
  push(chunk: Buffer): WireMessage[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const messages: WireMessage[] = [];
    for (;;) {
      if (this.buffered < 4) return messages;
      const head = this.peek(4);
      const length = head.readInt32LE(0);
      if (length < 16 || length > MAX_MESSAGE_BYTES) {
        throw new FramingError(`message length ${length} outside 16..${MAX_MESSAGE_BYTES}`);
      }
      if (this.buffered < length) return messages;
      const frame = this.take(length);
      messages.push({
        requestId: frame.readInt32LE(4),
        responseTo: frame.readInt32LE(8),
        opCode: frame.readInt32LE(12),
        body: frame.subarray(16),
      });
    }
  }

  private peek(bytes: number): Buffer {
    if (this.chunks[0]!.length < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const frame = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
  return buf;
}

/** An OP_MSG reply with one kind-0 section; `flags` is 0 but for a streamed reply (moreToCome). */
export function encodeOpMsg(requestId: number, responseTo: number, doc: Document, flags = 0): Buffer {
  const payload = serialize(doc);
  const prefix = Buffer.alloc(5); // flagBits (uint32) + section kind 0
  prefix.writeUInt32LE(flags, 0);
  return Buffer.concat([header(16 + 5 + payload.length, requestId, responseTo, OP_MSG), prefix, payload]);
}

/** An OP_REPLY carrying one document: the faithful answer to a legacy OP_QUERY handshake. */
export function encodeOpReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const payload = serialize(doc);
  const fields = Buffer.alloc(20); // responseFlags int32, cursorID int64, startingFrom int32, numberReturned int32
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(16 + 20 + payload.length, requestId, responseTo, OP_REPLY), fields, payload]);
}
