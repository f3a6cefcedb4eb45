import { MongoClient, type MongoClientOptions } from 'mongodb';
import type { Logger } from './logger.js';

// How every service connects to MongoDB so that it heals from any state MongoDB is in.
//
// Why a loop around connect(): driver 7.x closes the topology of a connect() that failed but keeps it
// on the client, and operations only auto-connect a client that has *no* topology. So a client whose
// first connect failed (MongoDB not up yet) answers every later operation with
// MongoTopologyClosedError, forever. An explicit connect() does build a fresh topology, so we call it
// until it succeeds. Once a topology has connected, the driver's own monitoring heals it across
// restarts and failovers: only the first connect needs this.

/** The driver limits every service sets, so that nothing waits on MongoDB without a bound. */
export interface MongoLimits {
  /** How long an operation waits for a usable primary (driver default 30 s). */
  serverSelectionTimeoutMS: number;
  /** TCP connect + handshake bound, also the bound of each monitoring check (driver default 30 s). */
  connectTimeoutMS: number;
  /**
   * A socket with no answer for this long is closed as dead (a stalled MongoDB). Must outlast the
   * longest legitimate wait on one socket (the relay's awaitData reads). Note that driver 7.x ignores
   * `timeoutMS`, so a whole operation is bounded by its caller (see api/store-deadline.ts).
   */
  socketTimeoutMS?: number;
}

/** A client with `limits` applied; nothing is opened until connect. */
export function createMongoClient(url: string, appName: string, limits: MongoLimits): MongoClient {
  const options: MongoClientOptions = {
    appName,
    serverSelectionTimeoutMS: limits.serverSelectionTimeoutMS,
    connectTimeoutMS: limits.connectTimeoutMS,
  };
  if (limits.socketTimeoutMS !== undefined) options.socketTimeoutMS = limits.socketTimeoutMS;
  return new MongoClient(url, options);
}

/** Options of connectUntilReachable. */
export interface ConnectRetryOptions {
  logger: Logger;
  /** Stops retrying (shutdown); the promise then resolves false. */
  signal?: AbortSignal;
  /** Pause between failed attempts; each attempt itself waits up to serverSelectionTimeoutMS. */
  retryMs?: number;
  /** For logs: the URL without its password. */
  shownUrl?: string;
}

/**
 * Connects `client`, trying again until MongoDB answers, however long that takes. Resolves true once
 * connected, false if `signal` aborted first. Logs the first failure and then every tenth, so a long
 * outage is visible without flooding the log.
 */
export async function connectUntilReachable(client: MongoClient, options: ConnectRetryOptions): Promise<boolean> {
  const { logger, signal, retryMs = 500, shownUrl } = options;
  for (let attempt = 1; !signal?.aborted; attempt += 1) {
    try {
      await client.connect();
      if (attempt > 1) logger.info({ attempts: attempt, mongoUrl: shownUrl }, 'MongoDB reachable');
      return true;
    } catch (error) {
      if (signal?.aborted) break;
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ err: error, attempt, mongoUrl: shownUrl }, 'MongoDB not reachable yet; retrying');
      }
      await pause(retryMs, signal);
    }
  }
  return false;
}

/**
 * Closes `client`, but gives up after `ms`: a stalled MongoDB (process stopped, sockets open) makes
 * close() wait for answers that never come. Resolves true when it closed in time.
 */
export async function closeWithin(client: MongoClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([
      client.close().then(
        () => true as const,
        () => false as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without its password, for logs. */
export function mongoUrlForLogs(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
