import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

// Answers for upgrade requests refused before the 101: a plain HTTP status with a one-line body and
// `Connection: close`. The socket may already be broken; writing to it must never throw.

/** An HTTP refusal of an upgrade. */
export interface Refusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/**
 * Whether the request's Origin is allowed. Without an allow list every origin is; with one, a browser's
 * Origin must be in it. Requests without Origin come from non-browser clients, which could send any
 * Origin they like: the check protects browsers from cross-site use, the token protects the rest.
 */
export function originAllowed(request: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  if (!allowed) return true;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const normalised = normaliseOrigin(origin);
  return normalised !== null && allowed.some((entry) => normaliseOrigin(entry, false) === normalised);
}

/**
 * `scheme://host[:port]` in lowercase without a default port; null when the text is not an origin.
 * Strict for the header (exactly an origin, no path or trailing slash), lenient for configured entries.
 */
function normaliseOrigin(text: string, strict = true): string | null {
  if (text === 'null') return 'null';
  try {
    const url = new URL(text);
    if (url.origin === 'null') return null;
    if (strict && (url.pathname !== '/' || text.endsWith('/') || url.search || url.hash || url.username)) return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** Writes the refusal and closes the socket; a no-op on a socket that is already gone. */
export function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${refusal.reason}\n`;
  const headers: Record<string, string> = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...refusal.headers,
  };
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
