import type { WebSocket } from 'ws';

// Dead-peer detection: one timer for all sockets. Each tick, a socket that has not answered the
// previous ping is terminated (no close handshake: it is not listening), the rest are pinged again.
// A half-open TCP connection would otherwise hold its slot and buffers until the OS gives up, hours later.

/** Pings every tracked socket every `intervalMs`; terminates those that missed the previous pong. */
export interface Heartbeat {
  track(socket: WebSocket): void;
  stop(): void;
}

/** Starts the heartbeat timer; `onTerminate` hears about each peer it cuts off. */
export function startHeartbeat(intervalMs: number, onTerminate: (socket: WebSocket) => void = () => {}): Heartbeat {
  const awaitingPong = new Map<WebSocket, boolean>();
  // One pair of listeners for every socket (they read `this`), not two closures per connection.
  function markAlive(this: WebSocket): void {
    if (awaitingPong.has(this)) awaitingPong.set(this, false);
  }
  function untrack(this: WebSocket): void {
    awaitingPong.delete(this);
  }

  const timer = setInterval(() => {
    for (const [socket, waiting] of awaitingPong) {
      if (socket.readyState !== socket.OPEN) continue;
      if (waiting) {
        awaitingPong.delete(socket);
        onTerminate(socket);
        socket.terminate();
        continue;
      }
      awaitingPong.set(socket, true);
      socket.ping();
    }
  }, intervalMs);
  // The heartbeat alone must not keep a process alive that has nothing else to do.
  timer.unref();

  return {
    track(socket) {
      awaitingPong.set(socket, false);
      socket.on('pong', markAlive);
      socket.on('close', untrack);
    },
    stop() {
      clearInterval(timer);
      awaitingPong.clear();
    },
  };
}
