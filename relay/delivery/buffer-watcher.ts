import type { WebSocket } from 'ws';
import { onceDrained } from './frames.js';

// Waiting for a client's socket to have room again, without trusting one signal: 'drain' only fires
// when a write had hit the socket's high-water mark, so a shared poll (one timer for every waiter,
// running only while someone waits) backs it up. The poll also tells a slow reader from a stopped one:
// a socket whose unsent bytes do not shrink at all for `stallMs` belongs to a client that stopped reading.

/** How often waiting sockets are looked at. */
const POLL_MS = 25;

/** Watches sockets that are too full to write to. */
export interface BufferWatcher {
  /**
   * Calls `onRoom` once `ws` has fewer than `below` unsent bytes or is closed (the caller looks at its
   * state), or `onStall` once its unsent bytes have not shrunk for `stallMs`. Returns a function that
   * cancels the wait.
   */
  wait(ws: WebSocket, below: number, onRoom: () => void, onStall: () => void): () => void;
  /** Cancels every wait. */
  close(): void;
}

interface Waiter {
  ws: WebSocket;
  below: number;
  onRoom: () => void;
  onStall: () => void;
  stopListening: (() => void) | null;
  /** Unsent bytes at the last sign of progress, and when that was. */
  lowest: number;
  since: number;
}

/** Creates a watcher; `now` is injectable for tests. */
export function createBufferWatcher({ stallMs, now = Date.now }: { stallMs: number; now?: () => number }): BufferWatcher {
  const waiters = new Set<Waiter>();
  let timer: NodeJS.Timeout | undefined;

  function forget(waiter: Waiter): void {
    waiters.delete(waiter);
    waiter.stopListening?.();
  }

  function check(waiter: Waiter): void {
    if (!waiters.has(waiter)) return;
    const { ws } = waiter;
    const buffered = ws.bufferedAmount;
    if (ws.readyState !== ws.OPEN || buffered < waiter.below) {
      forget(waiter);
      return waiter.onRoom();
    }
    if (buffered < waiter.lowest) {
      waiter.lowest = buffered;
      waiter.since = now();
    } else if (now() - waiter.since >= stallMs) {
      forget(waiter);
      waiter.onStall();
    }
  }

  function poll(): void {
    for (const waiter of [...waiters]) check(waiter);
    if (waiters.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    wait(ws, below, onRoom, onStall) {
      const waiter: Waiter = { ws, below, onRoom, onStall, stopListening: null, lowest: ws.bufferedAmount, since: now() };
      waiters.add(waiter);
      waiter.stopListening = onceDrained(ws, () => {
        waiter.stopListening = null;
        check(waiter);
      });
      if (!timer) {
        timer = setInterval(poll, POLL_MS);
        timer.unref();
      }
      return () => forget(waiter);
    },
    close() {
      for (const waiter of [...waiters]) forget(waiter);
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
