import { WebSocket, type ClientOptions } from 'ws';
import type { ServerMessage } from '../../contract/protocol.js';

// Client-side helpers for edge tests: what a user of the relay sees when connecting.

/** How a connection attempt ended: refused over HTTP, or opened and later closed with a code. */
export type ConnectOutcome = { kind: 'http'; status: number; body: string } | { kind: 'closed'; code: number; reason: string; messages: ServerMessage[] };

/** Connects and waits until the relay refuses (HTTP status) or closes the connection (close code). */
export function connectOutcome(url: string, options: ClientOptions = {}, send: (ws: WebSocket) => void = () => {}): Promise<ConnectOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const messages: ServerMessage[] = [];
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ kind: 'http', status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    ws.on('open', () => send(ws));
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
    ws.on('close', (code, reason) => resolve({ kind: 'closed', code, reason: String(reason), messages }));
    ws.on('error', (error) => {
      // After an unexpected response ws also reports an error; the outcome is already decided then.
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** An open client that records every message it receives. */
export interface TestClient {
  ws: WebSocket;
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first received message (past or future) that matches. */
  next<T extends ServerMessage>(match: (message: ServerMessage) => message is T, timeoutMs?: number): Promise<T>;
}

/** Opens a client and waits for the relay's welcome. */
export async function openClient(url: string, options: ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, options);
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => {});
  const client: TestClient = {
    ws,
    messages,
    closed,
    next: (match, timeoutMs = 5_000) => waitFor(() => messages.find(match), timeoutMs, 'message'),
  };
  const refused = closed.then(({ code, reason }) => Promise.reject(new Error(`closed before welcome: ${code} ${reason}`)));
  await Promise.race([client.next((message): message is ServerMessage => message.type === 'welcome'), refused]);
  return client;
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
