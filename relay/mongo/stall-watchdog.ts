// Tells a stalled change stream from a quiet one. A healthy stream answers every read within
// maxAwaitTimeMS, with events or an empty batch, so silence much longer than that means MongoDB is
// stopped with its sockets open (or the network dropped them silently): the relay is not making
// progress and must say so on /readyz, then say so again when it moves.

/** A progress watchdog: progress() on every answer; onChange(true) after `stallMs` without one. */
export interface StallWatchdog {
  /** The stream answered (an event, an empty batch, an open). */
  progress(): void;
  /** Starts watching (the stream is open). */
  arm(): void;
  /** Stops watching (the stream is closed or failed: readiness is reported by its owner). */
  disarm(): void;
}

/** Creates a watchdog that reports stalls of `stallMs` or more through `onChange`. */
export function createStallWatchdog(stallMs: number, onChange: (stalled: boolean) => void): StallWatchdog {
  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      onChange(true);
    }, stallMs);
    timer.unref();
  };
  return {
    progress() {
      if (timer === undefined) return;
      if (stalled) {
        stalled = false;
        onChange(false);
      }
      schedule();
    },
    arm() {
      stalled = false;
      schedule();
    },
    disarm() {
      clearTimeout(timer);
      timer = undefined;
      stalled = false;
    },
  };
}
