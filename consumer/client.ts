import { WebSocket } from 'ws';
import { createRelayClient } from '../client/index.js';
import { displayUrl } from '../client/relay-url.js';
import type { Operation } from '../contract/protocol.js';
import { formatEvent, formatJson, formatReset, printable } from './format.js';
import { createPositionWriter, readPosition, type PositionWriter } from './state-file.js';

// The consumer's life on top of the client library (client/): the library connects, follows the
// close-code table, backs off and resumes after the last event delivered; the consumer prints what
// it delivers, keeps the position in the state file and says in words what happened.

/** What the consumer needs; `onLine` gets stdout lines, `onNotice` diagnostics for stderr. */
export interface ConsumerOptions {
  url: string;
  ops?: Operation[];
  where?: Record<string, string>;
  /** Position to start after; takes precedence over the state file's. */
  since?: string;
  /** File that keeps the last event id across restarts (read at start, written atomically). */
  stateFile?: string;
  token?: string;
  /** Print each relay message as its JSON text instead of a readable line. */
  json?: boolean;
  onLine(line: string): void;
  onNotice(text: string): void;
  retryBaseMs?: number;
  retryCapMs?: number;
  random?: () => number;
  /** Longest wait for the upgrade and the welcome. */
  welcomeTimeoutMs?: number;
  /** A connection welcomed and up this long resets the backoff. */
  stableAfterMs?: number;
  /** Extra options for the WebSocket (ws): a custom `ca` for wss://, for instance. */
  webSocketOptions?: Record<string, unknown>;
}

/** Why the consumer ended: asked to stop, or refused by the relay for good (with the reason). */
export type ConsumerEnd = { kind: 'stopped' } | { kind: 'refused'; message: string };

/** A consumer, created idle: `run()` connects. */
export interface Consumer {
  /** Runs until stop() or a refusal. */
  run(): Promise<ConsumerEnd>;
  /** Closes the connection, saves the position, and resolves when run() has ended. */
  stop(): Promise<void>;
  /** The id of the last event printed (the position a reconnect resumes after). */
  readonly lastEventId: string | undefined;
}

/** Creates a consumer; nothing is opened until run(). */
export function createConsumer(options: ConsumerOptions): Consumer {
  const { onLine, onNotice } = options;
  const abort = new AbortController();
  let lastEventId: string | undefined;
  let ended: Promise<ConsumerEnd> | undefined;

  const loop = async (): Promise<ConsumerEnd> => {
    let since: string | undefined;
    try {
      since = await startingPosition(options, onNotice);
    } catch (error) {
      return { kind: 'refused', message: `cannot read --state-file ${options.stateFile}: ${(error as Error).message}` };
    }
    const writer: PositionWriter | undefined = options.stateFile
      ? createPositionWriter(options.stateFile, (error) => onNotice(`could not save the position to ${options.stateFile}: ${error.message}`))
      : undefined;
    const client = createRelayClient({
      url: options.url,
      token: options.token,
      tokenIn: 'header',
      ops: options.ops,
      where: options.where,
      since,
      signal: abort.signal,
      WebSocket,
      webSocketOptions: { maxPayload: 8 * 1024 * 1024, ...options.webSocketOptions },
      retryBaseMs: options.retryBaseMs,
      retryCapMs: options.retryCapMs,
      random: options.random,
      welcomeTimeoutMs: options.welcomeTimeoutMs,
      stableAfterMs: options.stableAfterMs,
    });
    client.on('welcome', (welcome) => {
      const resume = welcome.resume === 'resumed' ? 'resuming after the last position' : welcome.resume === 'reset' ? 'position lost' : 'live';
      onNotice(`connected to ${displayUrl(options.url)} (relay ${printable(welcome.relayId)}, ${resume})`);
    });
    client.on('event', (event, raw) => {
      onLine(options.json ? formatJson(raw, event) : formatEvent(event));
      lastEventId = event.id;
      writer?.save(event.id);
    });
    client.on('reset', ({ resync: _resync, ...reset }, raw) => {
      onLine(options.json ? formatJson(raw, reset) : formatReset(reset));
      if (options.json) onNotice(`relay sent reset (${printable(reset.reason)}): reload the snapshot`);
    });
    client.on('malformed', (problem) => onNotice(`ignoring a frame from the relay: ${problem}`));
    client.on('retry', ({ message, delayMs, attempt, resuming }) => {
      const from = resuming ? ', resuming after the last event' : '';
      onNotice(`${message}; reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt}${from})`);
    });
    try {
      const end = await client.start();
      return end.kind === 'refused' ? { kind: 'refused', message: end.message } : end;
    } finally {
      await writer?.flush();
    }
  };

  return {
    run() {
      if (ended) throw new Error('consumer already running');
      ended = loop();
      return ended;
    },
    async stop() {
      abort.abort();
      await ended;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

async function startingPosition(options: ConsumerOptions, onNotice: (text: string) => void): Promise<string | undefined> {
  const saved = options.stateFile ? await readPosition(options.stateFile) : undefined;
  if (options.since !== undefined) {
    if (saved !== undefined && saved !== options.since) onNotice(`starting after --since; ignoring the position in ${options.stateFile}`);
    return options.since;
  }
  if (saved !== undefined) onNotice(`continuing after the position saved in ${options.stateFile}`);
  return saved;
}
