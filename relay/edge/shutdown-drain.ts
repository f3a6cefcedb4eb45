import type { WebSocket } from 'ws';
import { CloseCode } from '../../contract/close-codes.js';

// Graceful shutdown of the connections: close each with 1001 ("reconnect elsewhere"), spread evenly
// over the drain window so thousands of clients do not all reconnect in the same instant (Mercure does
// the same). Clients that do not finish the close handshake are terminated a grace period after the last close.

/** How long a peer gets to answer our close frame before it is cut off. */
export const CLOSE_GRACE_MS = 2_000;

/**
 * Closes `sockets` with CloseCode.shutdown, the k-th of n at k·drainMs/n, and resolves once every one
 * of them is closed (terminating stragglers `graceMs` after the last close was sent). `onClose` hears
 * about each close frame sent.
 */
export async function drainSockets(
  sockets: Iterable<WebSocket>,
  drainMs: number,
  { graceMs = CLOSE_GRACE_MS, onClose = () => {} }: { graceMs?: number; onClose?: (socket: WebSocket) => void } = {},
): Promise<void> {
  const pending = [...sockets].filter((socket) => socket.readyState !== socket.CLOSED);
  if (pending.length === 0) return;

  const closed = pending.map(
    (socket) => new Promise<void>((resolve) => (socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()))),
  );
  const start = Date.now();

  const closeOne = (socket: WebSocket) => {
    if (socket.readyState !== socket.OPEN) return;
    onClose(socket);
    socket.close(CloseCode.shutdown, 'relay shutting down');
  };

  // One timer re-armed for the next due close, rather than one timer per client.
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const elapsed = Date.now() - start;
      const due = drainMs <= 0 ? pending.length : Math.min(pending.length, Math.floor((elapsed * pending.length) / drainMs) + 1);
      while (next < due) closeOne(pending[next++]!);
      if (next >= pending.length) return resolve();
      setTimeout(tick, Math.max(1, Math.ceil((next * drainMs) / pending.length) - elapsed));
    };
    tick();
  });

  // Stragglers: peers that never answer the last close frame are cut off, so shutdown always ends.
  const stragglers = setTimeout(() => pending.forEach((socket) => socket.terminate()), graceMs);
  await Promise.all(closed);
  clearTimeout(stragglers);
}
