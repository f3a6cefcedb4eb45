import { WebSocket } from 'ws';
import type { ServerMessage } from '../contract/protocol.js';
import { isMalformed, parseServerMessage } from './server-message.js';

// One connection to the relay, from dial to close: it hands each message up, watches for silence
// and reports how it ended. Deciding whether to reconnect is the caller's business (client.ts).

/** How a connection ended. */
export interface ConnectionOutcome {
  /** WebSocket close code (1006 when the socket died without a close frame). */
  code: number;
  reason: string;
  /** Whether a welcome arrived (the relay accepted the subscription). */
  welcomed: boolean;
  /** The HTTP status when the relay refused the upgrade (401, 403, 503, …). */
  httpStatus?: number;
  /** The start of the refusal's body, for the message. */
  httpBody?: string;
  /** Set when the consumer ended it because the relay went silent for this long. */
  silentForMs?: number;
  /** The network error, if one ended it. */
  error?: string;
}

/** What a connection needs. */
export interface ConnectionOptions {
  url: string;
  token?: string;
  /** Longest wait for the upgrade and then the welcome. */
  welcomeTimeoutMs: number;
  /** Called for every valid message, with the frame's text. */
  onMessage(message: ServerMessage, raw: string): void;
  /** Called for frames that are not protocol messages. */
  onMalformed(problem: string): void;
}

/** A connection in progress. */
export interface Connection {
  readonly outcome: Promise<ConnectionOutcome>;
  /** Closes with 1000; the socket is destroyed if the relay does not answer within `graceMs`. */
  close(graceMs?: number): void;
}

const MAX_FRAME_BYTES = 8 * 1024 * 1024;
const MAX_REFUSAL_BODY = 300;

/** Dials the relay. Never throws: every failure ends up in `outcome`. */
export function openConnection(options: ConnectionOptions): Connection {
  const result: Omit<ConnectionOutcome, 'code' | 'reason'> = { welcomed: false };
  let socket: WebSocket;
  try {
    socket = new WebSocket(options.url, {
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
      handshakeTimeout: options.welcomeTimeoutMs,
      maxPayload: MAX_FRAME_BYTES,
    });
  } catch (error) {
    const outcome = { ...result, code: 1006, reason: '', error: (error as Error).message };
    return { outcome: Promise.resolve(outcome), close() {} };
  }

  // Silence watch: any frame (message, ping, pong) proves the relay alive. Three quarters into the
  // allowed silence (1.5 heartbeats, after the relay's own ping should have come) we send a ping of
  // our own, which a live relay answers with a pong; at the limit the connection is treated as dead
  // and destroyed.
  let silenceLimitMs = options.welcomeTimeoutMs;
  let probe: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const stopWatch = () => {
    clearTimeout(probe);
    clearTimeout(deadline);
  };
  const heard = () => {
    stopWatch();
    probe = setTimeout(() => {
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }, (silenceLimitMs * 3) / 4);
    deadline = setTimeout(() => {
      result.silentForMs = silenceLimitMs;
      socket.terminate();
    }, silenceLimitMs);
  };

  socket.on('unexpected-response', (_request, response) => {
    // Listening here replaces ws's generic error: keep the status and a bounded part of the body.
    result.httpStatus = response.statusCode;
    let body = '';
    const finish = () => {
      result.httpBody = body.trim().slice(0, MAX_REFUSAL_BODY);
      socket.terminate();
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_REFUSAL_BODY) response.destroy();
    });
    response.on('end', finish);
    response.on('close', finish);
  });
  socket.on('open', heard);
  socket.on('ping', heard);
  socket.on('pong', heard);
  socket.on('message', (data, isBinary) => {
    heard();
    if (isBinary) return options.onMalformed('binary frame');
    const raw = data.toString();
    const parsed = parseServerMessage(raw);
    if (isMalformed(parsed)) return options.onMalformed(parsed.problem);
    if (parsed.type === 'welcome') {
      result.welcomed = true;
      silenceLimitMs = 2 * parsed.heartbeatMs;
      heard();
    }
    options.onMessage(parsed, raw);
  });
  socket.on('error', (error) => {
    result.error ??= error.message;
  });

  const outcome = new Promise<ConnectionOutcome>((resolve) => {
    socket.on('close', (code, reason) => {
      stopWatch();
      resolve({ ...result, code, reason: reason.toString() });
    });
  });

  return {
    outcome,
    close(graceMs = 1000) {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close(1000, 'consumer stopping');
      setTimeout(() => socket.terminate(), graceMs).unref();
    },
  };
}
