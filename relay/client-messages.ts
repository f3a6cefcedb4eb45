import type { RawData, WebSocket } from 'ws';
import { CloseCode } from './close-codes.js';
import { clientMessage, type PongMessage } from './protocol.js';

// What a client may say: only `{"type":"ping"}`, answered with `{"type":"pong"}` (browsers cannot send
// WebSocket pings). Anything else breaks the protocol and closes the connection with CloseCode.policy;
// more than `perSecond` messages (a token bucket with a one-second burst) close it with rateLimited.
// Frames larger than maxPayload never get here: ws closes those with 1009 itself.

const pong = JSON.stringify({ type: 'pong' } satisfies PongMessage);

/** Why a client's connection was closed for what it sent. */
export type ClientMessageViolation = 'policy' | 'rateLimited';

/** Starts answering one socket's messages; `onViolation` hears why it was closed. */
export function handleClientMessages(
  socket: WebSocket,
  options: { perSecond: number; now?: () => number; onViolation?: (violation: ClientMessageViolation, detail: string) => void },
): void {
  const { perSecond, now = Date.now, onViolation = () => {} } = options;
  let tokens = perSecond;
  let refilledAt = now();

  const violate = (violation: ClientMessageViolation, detail: string) => {
    onViolation(violation, detail);
    socket.close(CloseCode[violation], detail);
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    // Messages that were already in flight when we closed are not the client's fault twice.
    if (socket.readyState !== socket.OPEN) return;

    const at = now();
    tokens = Math.min(perSecond, tokens + ((at - refilledAt) / 1000) * perSecond);
    refilledAt = at;
    if (tokens < 1) return violate('rateLimited', `more than ${perSecond} messages per second`);
    tokens -= 1;

    if (isBinary) return violate('policy', 'binary messages are not accepted');
    const message = parseJson(rawText(data));
    if (!clientMessage.safeParse(message).success) return violate('policy', 'unknown message: only {"type":"ping"} is accepted');
    socket.send(pong);
  });
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
