// One client connection: frames the byte stream, answers each message in order, and closes the
// socket (never the process) on input it cannot frame or an opcode it does not speak.
import type { Socket } from 'node:net';
import type { Document } from 'bson';
import { dispatch } from './dispatch.js';
import { ErrorCodes } from './errors.js';
import { nextStreamedHello } from './commands/awaitable-hello.js';
import { EXHAUST_ALLOWED, MalformedMessageError, MORE_TO_COME, parseOpMsg, parseOpQuery } from './op-msg.js';
import type { ConnectionInfo, DoubleState } from './state.js';
import { encodeOpMsg, encodeOpReply, FrameReader, OP_MSG, OP_QUERY, type WireMessage } from './wire.js';

/** Requests queued on one connection before it is considered abusive and closed. */
const MAX_QUEUED = 1000;
const HELLO_NAMES = new Set(['hello', 'isMaster', 'ismaster']);

let nextRequestId = 1;

/** Serves one accepted socket until it closes. */
export function serveConnection(socket: Socket, state: DoubleState): void {
  const abort = new AbortController();
  const connection: ConnectionInfo = { id: state.nextConnectionId++, signal: abort.signal };
  const log = state.logger.child({ connection: connection.id });
  const reader = new FrameReader();
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;

  socket.setNoDelay(true);
  socket.on('close', () => abort.abort());
  socket.on('error', (error) => log.debug({ err: error }, 'socket error'));
  socket.on('data', (chunk: Buffer) => {
    let messages: WireMessage[];
    try {
      messages = reader.push(chunk);
    } catch (error) {
      log.warn({ err: error }, 'closing connection: unframeable input');
      socket.destroy();
      return;
    }
    for (const message of messages) {
      if (++queued > MAX_QUEUED) {
        log.warn('closing connection: too many queued requests');
        socket.destroy();
        return;
      }
      queue = queue
        .then(() => handle(message))
        .catch((error: unknown) => {
          log.error({ err: error }, 'closing connection after an internal error');
          socket.destroy();
        })
        .finally(() => {
          queued -= 1;
        });
    }
  });

  function send(bytes: Buffer): void {
    if (!socket.destroyed && socket.writable) socket.write(bytes);
  }

  async function handle(message: WireMessage): Promise<void> {
    if (socket.destroyed) return;
    if (message.opCode === OP_MSG) return handleOpMsg(message);
    if (message.opCode === OP_QUERY) return handleOpQuery(message);
    // OP_COMPRESSED is never negotiated, and the legacy opcodes were removed in MongoDB 6.0.
    log.warn({ opCode: message.opCode }, 'closing connection: unsupported opcode');
    socket.destroy();
  }

  async function handleOpMsg(message: WireMessage): Promise<void> {
    const flags = message.body.length >= 4 ? message.body.readUInt32LE(0) : 0;
    let request;
    try {
      request = parseOpMsg(message.body);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      log.warn({ err: error }, 'malformed OP_MSG');
      if (!(flags & MORE_TO_COME))
        send(
          encodeOpMsg(nextRequestId++, message.requestId, {
            ok: 0,
            errmsg: error.message,
            code: ErrorCodes.InvalidBSON,
            codeName: 'InvalidBSON',
          }),
        );
      return;
    }
    const db = request.command.$db;
    const result =
      typeof db === 'string' && db.length > 0
        ? await dispatch(request.command, db, state, connection)
        : {
            reply: {
              ok: 0,
              errmsg: 'OP_MSG requests require a $db argument',
              code: ErrorCodes.IDLFailedToParse,
              codeName: 'IDLFailedToParse',
            },
          };
    if ('closeConnection' in result) {
      socket.destroy();
      return;
    }
    if (request.flags & MORE_TO_COME) return;
    const awaitableHello = HELLO_NAMES.has(Object.keys(request.command)[0] ?? '') && request.command.maxAwaitTimeMS !== undefined;
    if ((request.flags & EXHAUST_ALLOWED) !== 0 && awaitableHello && typeof db === 'string')
      return streamHello(request.command, db, message.requestId, result.reply);
    send(encodeOpMsg(nextRequestId++, message.requestId, result.reply));
  }

  /**
   * Streaming hello (awaitable hello with exhaustAllowed), as mongod answers it: every successful
   * reply carries moreToCome and answers the previous reply, and the next one follows after the
   * next wait, without a request, until the connection closes. An error reply ends the stream.
   */
  async function streamHello(command: Document, db: string, requestId: number, first: Document): Promise<void> {
    let reply = first;
    let responseTo = requestId;
    while (reply.ok === 1) {
      if (socket.destroyed) return;
      const id = nextRequestId++;
      send(encodeOpMsg(id, responseTo, reply, MORE_TO_COME));
      responseTo = id;
      command = nextStreamedHello(command, reply);
      const next = await dispatch(command, db, state, connection);
      if ('closeConnection' in next) {
        socket.destroy();
        return;
      }
      reply = next.reply;
    }
    send(encodeOpMsg(nextRequestId++, responseTo, reply));
  }

  async function handleOpQuery(message: WireMessage): Promise<void> {
    let request;
    try {
      request = parseOpQuery(message.body);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      log.warn({ err: error }, 'malformed OP_QUERY');
      send(
        encodeOpReply(nextRequestId++, message.requestId, {
          ok: 0,
          errmsg: error.message,
          code: ErrorCodes.InvalidBSON,
          codeName: 'InvalidBSON',
        }),
      );
      return;
    }
    const name = Object.keys(request.query)[0] ?? '';
    const db = request.collection.endsWith('.$cmd') ? request.collection.slice(0, -'.$cmd'.length) : '';
    // Since MongoDB 6.0, OP_QUERY is only accepted for the connection handshake.
    const result =
      db && ['hello', 'isMaster', 'ismaster'].includes(name)
        ? await dispatch(request.query, db, state, connection)
        : {
            reply: {
              ok: 0,
              errmsg: `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`,
              code: 352,
              codeName: 'UnsupportedOpQueryCommand',
            },
          };
    if ('closeConnection' in result) {
      socket.destroy();
      return;
    }
    send(encodeOpReply(nextRequestId++, message.requestId, result.reply));
  }
}
