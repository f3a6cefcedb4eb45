// A minimal typed event emitter that works the same in browsers and Node (no EventTarget or
// node:events). A listener that throws does not break the client's loop: the error is rethrown on a
// fresh task, where the host reports it (window.onerror, Node's uncaughtException).

/** Listener signatures by event name. */
export type ListenerMap = { [event: string]: (...args: never[]) => void };

/** Subscribe and emit. */
export class Emitter<Events extends ListenerMap> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (...values: Parameters<Events[K]>) => void)(...args);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}
