import type { Operation, ServerMessage } from '../contract/protocol.js';
import { backoffDelay } from './backoff.js';
import { judgeOutcome } from './close-verdict.js';
import { openConnection, type Connection, type ConnectionOutcome } from './connection.js';
import { formatEvent, formatJson, formatReset, printable } from './format.js';
import { displayUrl, relayUrl } from './relay-url.js';
import { createPositionWriter, readPosition, type PositionWriter } from './state-file.js';

// The consumer's life: connect, print, and when a connection ends decide from the close-code table
// whether to come back (with backoff, resuming after the last event printed) or to stop and say why.

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
  const { onLine, onNotice, retryBaseMs = 500, retryCapMs = 30_000, welcomeTimeoutMs = 10_000, stableAfterMs = 5_000 } = options;
  const subscription = { ops: options.ops, where: options.where };
  let position: string | undefined;
  let lastEventId: string | undefined;
  let writer: PositionWriter | undefined;
  let attempt = 0;
  let stopping = false;
  let connection: Connection | undefined;
  let wake: (() => void) | undefined;
  let ended: Promise<ConsumerEnd> | undefined;

  const handle = (message: ServerMessage, raw: string, onStable: () => void) => {
    switch (message.type) {
      case 'welcome': {
        const resume = message.resume === 'resumed' ? 'resuming after the last position' : message.resume === 'reset' ? 'position lost' : 'live';
        onNotice(`connected to ${displayUrl(options.url)} (relay ${printable(message.relayId)}, ${resume})`);
        onStable();
        return;
      }
      case 'event':
        onLine(options.json ? formatJson(raw, message) : formatEvent(message));
        lastEventId = position = message.id;
        writer?.save(message.id);
        attempt = 0;
        return;
      case 'reset':
        // The position is kept: until a newer event arrives, resuming from it still means "reload".
        onLine(options.json ? formatJson(raw, message) : formatReset(message));
        if (options.json) onNotice(`relay sent reset (${printable(message.reason)}): reload the snapshot`);
        return;
      case 'pong':
        return;
    }
  };

  const connectOnce = async (): Promise<ConnectionOutcome> => {
    let stable: NodeJS.Timeout | undefined;
    connection = openConnection({
      url: relayUrl(options.url, subscription, position),
      token: options.token,
      welcomeTimeoutMs,
      onMessage: (message, raw) =>
        handle(message, raw, () => {
          stable = setTimeout(() => (attempt = 0), stableAfterMs);
        }),
      onMalformed: (problem) => onNotice(`ignoring a frame from the relay: ${problem}`),
    });
    const outcome = await connection.outcome;
    clearTimeout(stable);
    connection = undefined;
    return outcome;
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async (): Promise<ConsumerEnd> => {
    try {
      position = await startingPosition(options, onNotice);
    } catch (error) {
      return { kind: 'refused', message: `cannot read --state-file ${options.stateFile}: ${(error as Error).message}` };
    }
    if (options.stateFile) {
      writer = createPositionWriter(options.stateFile, (error) => onNotice(`could not save the position to ${options.stateFile}: ${error.message}`));
    }
    try {
      while (!stopping) {
        const outcome = await connectOnce();
        if (stopping) break;
        const verdict = judgeOutcome(outcome);
        if (verdict.stop) return { kind: 'refused', message: verdict.message };
        const delay = backoffDelay(attempt++, { baseMs: retryBaseMs, capMs: retryCapMs, random: options.random });
        const from = position ? ', resuming after the last event' : '';
        onNotice(`${verdict.message}; reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${attempt}${from})`);
        await pause(delay);
      }
      return { kind: 'stopped' };
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
      stopping = true;
      wake?.();
      connection?.close();
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
