// The wire protocol on a raw socket, against a double this file starts: the legacy handshake,
// moreToCome, and bad bytes (each gets an error reply or a closed connection, and the double keeps
// serving its other clients).
import { connect, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoDouble, type MongoDouble } from '../../mongo-double/index.js';

const OP_MSG = 2013;

function frame(opCode: number, body: Buffer, length = 16 + body.length): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

function opMsg(command: Document, flags = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32LE(flags, 0);
  return frame(OP_MSG, Buffer.concat([prefix, serialize(command)]));
}

function opQuery(collection: string, query: Document): Buffer {
  const name = Buffer.from(`${collection}\0`);
  const counts = Buffer.alloc(8); // numberToSkip, numberToReturn
  counts.writeInt32LE(-1, 4);
  return frame(2004, Buffer.concat([Buffer.alloc(4), name, counts, serialize(query)]));
}

/** Sends bytes and resolves with the first reply document, or 'closed' if the server hangs up first. */
function exchange(port: number, bytes: Buffer, documentOffset = 21): Promise<Document | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= received.readInt32LE(0)) {
        socket.destroy();
        // OP_MSG reply: 16-byte header, 4-byte flags, 1-byte section kind, then the document.
        resolve(
          Object.assign(deserialize(received.subarray(documentOffset, received.readInt32LE(0))), { opCode: received.readInt32LE(12) }),
        );
      }
    });
    socket.on('close', () => resolve('closed'));
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error('no reply and no close within 5 s')));
  });
}

const MORE_TO_COME = 1 << 1;
const EXHAUST_ALLOWED = 1 << 16;

/** Sends one request and collects the first `count` OP_MSG replies that come back on the socket. */
function collectReplies(
  port: number,
  bytes: Buffer,
  count: number,
): Promise<Array<{ requestId: number; responseTo: number; flags: number; document: Document }>> {
  return new Promise((resolve, reject) => {
    const replies: Array<{ requestId: number; responseTo: number; flags: number; document: Document }> = [];
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 4 && received.length >= received.readInt32LE(0)) {
        const length = received.readInt32LE(0);
        replies.push({
          requestId: received.readInt32LE(4),
          responseTo: received.readInt32LE(8),
          flags: received.readUInt32LE(16),
          document: deserialize(received.subarray(21, length)),
        });
        received = received.subarray(length);
      }
      if (replies.length >= count) {
        socket.destroy();
        resolve(replies.slice(0, count));
      }
    });
    socket.on('close', () => reject(new Error(`the connection closed after ${replies.length} of ${count} replies`)));
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error(`only ${replies.length} of ${count} replies within 5 s`)));
  });
}

describe('the double on a raw socket: handshake, moreToCome and malformed input', () => {
  let double: MongoDouble;
  let client: MongoClient;

  beforeAll(async () => {
    double = await startMongoDouble();
    client = new MongoClient(double.url);
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await double.stop();
  });

  const stillServes = async () => expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });

  it('answers a legacy OP_QUERY hello with an OP_REPLY naming the replica set', async () => {
    // OP_REPLY: 16-byte header, flags, cursorID, startingFrom, numberReturned (20 bytes), documents.
    const reply = await exchange(double.port, opQuery('admin.$cmd', { isMaster: 1, helloOk: true }), 36);
    expect(reply).toMatchObject({ opCode: 1, ok: 1, ismaster: true, setName: 'rs0', hosts: [`127.0.0.1:${double.port}`] });
  });

  it('sends nothing back for a moreToCome request, and runs it', async () => {
    const unacknowledged = opMsg({ insert: 'quiet', documents: [{ q: 1 }], writeConcern: { w: 0 }, $db: 'raw' }, 2);
    const reply = await exchange(double.port, Buffer.concat([unacknowledged, opMsg({ count: 'quiet', $db: 'raw' })]));
    // The first reply on the socket answers the count: the insert got none.
    expect(reply).toMatchObject({ ok: 1, n: 1 });
  });

  it('streams hello replies flagged moreToCome, each answering the one before, for an awaitable hello with exhaustAllowed', async () => {
    const { topologyVersion } = await client.db('admin').command({ hello: 1 });
    const replies = await collectReplies(
      double.port,
      opMsg({ hello: 1, topologyVersion, maxAwaitTimeMS: 20, $db: 'admin' }, EXHAUST_ALLOWED),
      3,
    );
    expect(replies.map((reply) => reply.flags & MORE_TO_COME)).toEqual([MORE_TO_COME, MORE_TO_COME, MORE_TO_COME]);
    expect(replies[0]!.responseTo).toBe(1);
    expect(replies[1]!.responseTo).toBe(replies[0]!.requestId);
    expect(replies[2]!.responseTo).toBe(replies[1]!.requestId);
    expect(replies.map((reply) => reply.document.topologyVersion.processId.toHexString())).toEqual(
      Array(3).fill(topologyVersion.processId.toHexString()),
    );
  });

  it('closes a connection whose frame length is impossible', async () => {
    expect(await exchange(double.port, frame(OP_MSG, Buffer.alloc(8), 3))).toBe('closed');
    expect(await exchange(double.port, frame(OP_MSG, Buffer.alloc(8), 0x7fffffff))).toBe('closed');
    await stillServes();
  });

  it('closes a connection that uses an unknown opcode', async () => {
    expect(await exchange(double.port, frame(9999, Buffer.alloc(8)))).toBe('closed');
    await stillServes();
  });

  it('answers invalid BSON with an InvalidBSON error', async () => {
    const body = Buffer.concat([Buffer.alloc(5), Buffer.from([0x10, 0, 0, 0, 0x02, 0x61, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0])]);
    expect(await exchange(double.port, frame(OP_MSG, body))).toMatchObject({ ok: 0, code: 22 });
    await stillServes();
  });

  it('answers a command without $db, or of the wrong shape, with an error reply', async () => {
    expect(await exchange(double.port, opMsg({ ping: 1 }))).toMatchObject({ ok: 0 });
    expect(await exchange(double.port, opMsg({ insert: 42, documents: 'no', $db: 'x' }))).toMatchObject({ ok: 0, code: 14 });
    expect(await exchange(double.port, opMsg({ insert: 'c', documents: 'no', $db: 'x' }))).toMatchObject({ ok: 0, code: 14 });
    expect(await exchange(double.port, opMsg({ find: 'c', filter: 7, $db: 'x' }))).toMatchObject({ ok: 0, code: 14 });
    expect(await exchange(double.port, opMsg({ getMore: 'x', collection: 'c', $db: 'x' }))).toMatchObject({ ok: 0, code: 14 });
    expect(
      await exchange(double.port, opMsg({ aggregate: 'c', pipeline: [{ $changeStream: { resumeAfter: 'x' } }], cursor: {}, $db: 'x' })),
    ).toMatchObject({ ok: 0 });
    await stillServes();
  });

  it('answers a truncated frame once the peer gives up, without affecting others', async () => {
    const socket = connect(double.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(frame(OP_MSG, Buffer.alloc(8), 1000).subarray(0, 20));
    await stillServes();
    socket.destroy();
  });
});
