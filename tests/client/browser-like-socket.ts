import { WebSocket } from 'ws';

// A WebSocket with only the browser's API: what the library sees in Chromium, in Node. ws's extras
// (protocol pings, `on`, `terminate`, refusal details) are hidden, so the library must fall back to
// application pings and to what a browser can know about a failed upgrade.

/** Constructs a ws socket and exposes only the standard surface. */
export class BrowserLikeWebSocket {
  private readonly socket: WebSocket;

  constructor(url: string) {
    this.socket = new WebSocket(url);
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: never) => void): void {
    this.socket.addEventListener(type, listener as never);
  }
}
