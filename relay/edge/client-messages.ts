import type { RawData, WebSocket } from 'ws';
import { CloseCode } from '../../contract/close-codes.js';
import { clientMessage, type PongMessage } from '../../contract/protocol.js';

// What a client may say: only `{"type":"ping"}`, answered with `{"type":"pong"}` (browsers cannot send
// WebSocket pings). Anything else breaks the protocol and closes the connection with CloseCode.policy;
// more than `perSecond` messages (a token bucket with a one-second burst) close it with rateLimited.
// Frames larger than maxPayload never get here: ws closes those with 1009 itself.
//
// Built once per server, not once per socket: every socket shares one listener (it reads `this`), and a
// socket's bucket exists only once it has sent something. A bucket starts full and refills up to full,
// so one created at the first message behaves exactly like one created at connect. An idle connection
// costs one entry in its listener table and nothing else.

const pong = JSON.stringify({ type: 'pong' } satisfies PongMessage);

/** Why a client's connection was closed for what it sent. */
export type ClientMessageViolation = 'policy' | 'rateLimited';

/** Answers the messages of the sockets it is given. */
export interface ClientMessages {
  /** Starts answering `socket`'s messages (until it closes). */
  track(socket: WebSocket): void;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** Creates the message handling shared by every socket; `onViolation` hears why a socket was closed. */
export function createClientMessages({
  perSecond,
  now = Date.now,
  onViolation = () => {},
  deferPong = () => false,
}: {
  perSecond: number;
  now?: () => number;
  onViolation?: (violation: ClientMessageViolation, detail: string) => void;
  /** True when the pong must wait for the client's welcome (the hub then sends it): welcome is always first. */
  deferPong?: (socket: WebSocket) => boolean;
}): ClientMessages {
  // Weak: a closed socket's bucket goes with it, without a close listener to remove it.
  const buckets = new WeakMap<WebSocket, Bucket>();

  function violate(socket: WebSocket, violation: ClientMessageViolation, detail: string): void {
    onViolation(violation, detail);
    socket.close(CloseCode[violation], detail);
  }

  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    // Messages that were already in flight when we closed are not the client's fault twice.
    if (this.readyState !== this.OPEN) return;

    const at = now();
    let bucket = buckets.get(this);
    if (!bucket) buckets.set(this, (bucket = { tokens: perSecond, refilledAt: at }));
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((at - bucket.refilledAt) / 1000) * perSecond);
    bucket.refilledAt = at;
    if (bucket.tokens < 1) return violate(this, 'rateLimited', `more than ${perSecond} messages per second`);
    bucket.tokens -= 1;

    if (isBinary) return violate(this, 'policy', 'binary messages are not accepted');
    const message = parseJson(rawText(data));
    if (!clientMessage.safeParse(message).success) return violate(this, 'policy', 'unknown message: only {"type":"ping"} is accepted');
    if (!deferPong(this)) this.send(pong);
  }

  return {
    track(socket) {
      socket.on('message', onMessage);
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
