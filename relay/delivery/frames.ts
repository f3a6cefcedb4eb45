import * as wsModule from 'ws';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../contract/protocol.js';

// Serialise once, frame once, write the same bytes to many sockets. ws's own send() frames every
// message for every socket; for fan-out we build the unmasked text frame ourselves with ws's public
// Sender.frame and write the bytes straight to the TCP socket under the WebSocket.
//
// Why writing to the underlying socket is safe (checked against ws 8.23 lib/sender.js, websocket.js):
// with permessage-deflate off (the edge turns it off) and no Blob payloads, Sender never queues:
// send/ping/pong/close each write whole frames synchronously (cork/uncork), so our writes land
// between frames, never inside one. `ws.bufferedAmount` is the socket's `_writableState.length` plus
// the sender's queue, so bytes we write count towards it like ws's own. When those conditions do not
// hold (an extension was negotiated, the sender is busy) we fall back to ws.send per message.

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
type FrameFn = (data: Buffer, options: FrameOptions) => Buffer[];
// @types/ws does not declare Sender, though ws exports it (lib/sender.js; `Sender` in wrapper.mjs).
const frame = (wsModule as unknown as { Sender: { frame: FrameFn } }).Sender.frame;

/** One server message, serialised and framed once. */
export interface Encoded {
  /** The JSON text, for the fallback path. */
  json: Buffer;
  /** The complete unmasked WebSocket text frame (header + payload). */
  frame: Buffer;
}

/** Event messages written to clients and their bytes on the wire: counted once per write, never per byte. */
export interface Delivered {
  messages: number;
  bytes: number;
}

/** One complete unmasked text frame (server to client) holding `payload`. */
export function textFrame(payload: Buffer | string): Buffer {
  const parts = frame(typeof payload === 'string' ? Buffer.from(payload) : payload, {
    fin: true,
    opcode: 1,
    mask: false,
    readOnly: true,
    rsv1: false,
  });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Serialises a message once and builds its WebSocket frame once. */
export function encode(message: ServerMessage): Encoded {
  const json = Buffer.from(JSON.stringify(message));
  return { json, frame: textFrame(json) };
}

/** The internals of a ws WebSocket this module relies on (see the note at the top). */
interface WsInternals {
  _socket: { write(chunk: Buffer): boolean; destroyed: boolean } | null;
  _sender: { _state: number; _queue: unknown[] } | null;
  _extensions: Record<string, unknown>;
}

function rawSocket(ws: WebSocket): WsInternals['_socket'] {
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  const sender = internals._sender;
  if (!socket || socket.destroyed || !sender) return null;
  if (sender._state !== 0 || sender._queue.length > 0) return null;
  // Any negotiated extension (permessage-deflate) means ws must frame the data itself.
  for (const _ in internals._extensions) return null;
  return socket;
}

/**
 * Writes messages to an open socket: `frames` (their frames concatenated, often shared by many sockets)
 * in one write, each still its own WebSocket message. Returns false when the socket is not open.
 */
export function writeFrames(ws: WebSocket, frames: Buffer, messages: readonly Encoded[]): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  const socket = rawSocket(ws);
  if (socket) {
    socket.write(frames);
    return true;
  }
  for (const message of messages) ws.send(message.json, { binary: false });
  return true;
}

/** Concatenates the frames of several messages into one buffer (shared, never copied per socket). */
export function concatFrames(messages: readonly Encoded[]): Buffer {
  if (messages.length === 1) return messages[0]!.frame;
  return Buffer.concat(messages.map((message) => message.frame));
}

/**
 * Calls `listener` once when the socket under `ws` has flushed its buffer (or closed). Returns a
 * function that removes the listener, or null (and never calls) when there is no socket to wait for.
 */
export function onceDrained(ws: WebSocket, listener: () => void): (() => void) | null {
  const socket = (ws as unknown as { _socket: NodeJS.EventEmitter | null })._socket;
  if (!socket || ws.readyState !== WebSocket.OPEN) return null;
  const cancel = () => {
    socket.off('drain', done);
    socket.off('close', done);
  };
  const done = () => {
    cancel();
    listener();
  };
  socket.on('drain', done);
  socket.on('close', done);
  return cancel;
}
