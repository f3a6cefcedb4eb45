import type { Socket } from 'node:net';

// A stalled MongoDB, as `kill -STOP` makes one: connections stay open (and new ones are accepted,
// as the kernel does for a stopped process), but nothing is read and nothing is answered until it
// continues. Reads stop with socket.pause(); answers already computed, or produced by timers
// (awaitData getMore, awaitable hello), wait in socket.cork() until resume, as they would in a
// stopped process's memory.

/** Pauses and resumes the double's connections. */
export interface PauseSwitch {
  readonly paused: boolean;
  /** Stops reading from and writing to every connection, and every new one. */
  pause(sockets: Iterable<Socket>): void;
  /** Lets every connection go on, answering what was held. */
  resume(sockets: Iterable<Socket>): void;
  /** Call for each new connection: a paused double holds it too. */
  adopt(socket: Socket): void;
}

/** Creates the switch (not paused). */
export function createPauseSwitch(): PauseSwitch {
  let paused = false;
  const hold = (socket: Socket) => {
    socket.pause();
    socket.cork();
  };
  return {
    get paused() {
      return paused;
    },
    pause(sockets) {
      if (paused) return;
      paused = true;
      for (const socket of sockets) hold(socket);
    },
    resume(sockets) {
      if (!paused) return;
      paused = false;
      for (const socket of sockets) {
        // Every cork() needs its uncork(); writableCorked counts them.
        while (socket.writableCorked > 0) socket.uncork();
        socket.resume();
      }
    },
    adopt(socket) {
      if (paused) hold(socket);
    },
  };
}
