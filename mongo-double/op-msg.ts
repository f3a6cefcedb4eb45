// Decoding of the two request opcodes the driver sends: OP_QUERY (only for the first handshake)
// and OP_MSG (everything else). Kind-1 sections become arrays on the command document, as mongod does.
import { deserialize, type Document } from 'bson';

/** OP_MSG flag bits (MongoDB wire protocol). */
export const CHECKSUM_PRESENT = 1 << 0;
export const MORE_TO_COME = 1 << 1;
export const EXHAUST_ALLOWED = 1 << 16;

/** Thrown for a message whose sections or BSON cannot be decoded; answered with an error reply. */
export class MalformedMessageError extends Error {}

/** A decoded OP_MSG request. */
export interface OpMsgRequest {
  flags: number;
  command: Document;
}

/** Options that keep BSON numbers as JS numbers so mingo can compare them. */
export const DESERIALIZE_OPTIONS = { promoteLongs: true, promoteValues: true, promoteBuffers: false } as const;

function readDocument(body: Buffer, offset: number): { doc: Document; end: number } {
  if (offset + 4 > body.length) throw new MalformedMessageError('truncated BSON document');
  const size = body.readInt32LE(offset);
  if (size < 5 || offset + size > body.length) throw new MalformedMessageError(`BSON document size ${size} overruns the message`);
  try {
    return { doc: deserialize(body.subarray(offset, offset + size), DESERIALIZE_OPTIONS), end: offset + size };
  } catch (error) {
    throw new MalformedMessageError(`invalid BSON: ${(error as Error).message}`);
  }
}

/** Parses an OP_MSG body (everything after the header). */
export function parseOpMsg(body: Buffer): OpMsgRequest {
  if (body.length < 5) throw new MalformedMessageError('OP_MSG too short');
  const flags = body.readUInt32LE(0);
  const end = flags & CHECKSUM_PRESENT ? body.length - 4 : body.length;
  let offset = 4;
  let command: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = body[offset];
    offset += 1;
    if (kind === 0) {
      if (command) throw new MalformedMessageError('OP_MSG has more than one kind-0 section');
      const read = readDocument(body, offset);
      command = read.doc;
      offset = read.end;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new MalformedMessageError('truncated document sequence');
      const size = body.readInt32LE(offset);
      const sectionEnd = offset + size;
      if (size < 5 || sectionEnd > end) throw new MalformedMessageError('document sequence overruns the message');
      const nameEnd = body.indexOf(0, offset + 4);
      if (nameEnd < 0 || nameEnd >= sectionEnd) throw new MalformedMessageError('document sequence without identifier');
      const name = body.toString('utf8', offset + 4, nameEnd);
      const docs: Document[] = [];
      let cursor = nameEnd + 1;
      while (cursor < sectionEnd) {
        const read = readDocument(body.subarray(0, sectionEnd), cursor);
        docs.push(read.doc);
        cursor = read.end;
      }
      sequences.push([name, docs]);
      offset = sectionEnd;
    } else {
      throw new MalformedMessageError(`unknown OP_MSG section kind ${String(kind)}`);
    }
  }
  if (!command) throw new MalformedMessageError('OP_MSG without a kind-0 section');
  for (const [name, docs] of sequences) {
    if (name in command) throw new MalformedMessageError(`duplicate field ${name} in body and document sequence`);
    command[name] = docs;
  }
  return { flags, command };
}

/** A decoded legacy OP_QUERY: only used by the driver for its first `hello`/`ismaster`. */
export interface OpQueryRequest {
  collection: string;
  query: Document;
}

/** Parses an OP_QUERY body: flags, cstring collection, skip, return, query document. */
export function parseOpQuery(body: Buffer): OpQueryRequest {
  const nameEnd = body.indexOf(0, 4);
  if (body.length < 4 || nameEnd < 0) throw new MalformedMessageError('OP_QUERY without collection name');
  const collection = body.toString('utf8', 4, nameEnd);
  const { doc } = readDocument(body, nameEnd + 1 + 8);
  // Legacy drivers wrap the command as {$query: {...}, $readPreference: ...}.
  const query = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Document) : doc;
  return { collection, query };
}
