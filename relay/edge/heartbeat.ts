import type { WebSocket } from 'ws';

// Dead-peer detection: one timer for all sockets. Each tick, a socket that has not answered the
// previous ping is terminated (no close handshake: it is not listening), the rest are pinged again.
// A half-open TCP connection would otherwise hold its slot and buffers until the OS gives up, hours later.
//
// It keeps no per-socket record of its own: it walks the edge's set of open sockets and remembers only
// which were pinged and have not answered yet (empty again a round trip after each ping).

/** Pings every open socket every `intervalMs`; terminates those that missed the previous pong. */
export interface Heartbeat {
  /** Listens for `socket`'s pongs; every open socket in `sockets` must be tracked. */
  track(socket: WebSocket): void;
  /** Forgets a closed socket. */
  untrack(socket: WebSocket): void;
  stop(): void;
}

/** Starts the heartbeat timer over `sockets` (the edge's live set); `onTerminate` hears about each peer it cuts off. */
export function startHeartbeat({
  intervalMs,
  sockets,
  onTerminate = () => {},
}: {
  intervalMs: number;
  sockets: Iterable<WebSocket>;
  onTerminate?: (socket: WebSocket) => void;
}): Heartbeat {
  const awaitingPong = new Set<WebSocket>();
  // One listener for every socket (it reads `this`), not a closure per connection.
  function markAlive(this: WebSocket): void {
    awaitingPong.delete(this);
  }

  const timer = setInterval(() => {
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      if (awaitingPong.has(socket)) {
        awaitingPong.delete(socket);
        onTerminate(socket);
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
  }, intervalMs);
  // The heartbeat alone must not keep a process alive that has nothing else to do.
  timer.unref();

  return {
    track(socket) {
      socket.on('pong', markAlive);
    },
    untrack(socket) {
      awaitingPong.delete(socket);
    },
    stop() {
      clearInterval(timer);
      awaitingPong.clear();
    },
  };
}
