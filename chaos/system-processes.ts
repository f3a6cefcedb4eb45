import { startService, waitUntilServing, type ServiceProcess } from './service-process.js';

// The API and the relay as child processes on loopback, started the way `npm run api` / `npm run
// relay` start them, and awaited until they report ready.

/** Where a service runs and what it talks to. */
export interface SystemProcessOptions {
  mongoUrl: string;
  database: string;
  port: number;
  /** Extra environment (RELAY_*, API_JWT_SECRET, LOG_LEVEL…). */
  env?: Record<string, string>;
  /** Append the service's output to this file. */
  logFile?: string;
  /** Startup bound. */
  timeoutMs?: number;
  /** What "started" means: ready (default), or only alive (MongoDB is not there yet). */
  until?: 'readyz' | 'healthz';
}

/** Starts `api/main.ts` and waits until /readyz answers 200. */
export async function startApiProcess(options: SystemProcessOptions): Promise<ServiceProcess> {
  const api = startService({
    entry: 'api/main.ts',
    logFile: options.logFile,
    // Every chaos client connects from 127.0.0.1: no per-address limit below the connection limit.
    env: {
      LOG_LEVEL: 'warn',
      RELAY_MAX_CONNECTIONS_PER_IP: '10000',
      ...options.env,
      MONGO_URL: options.mongoUrl,
      MONGO_DB: options.database,
      API_PORT: String(options.port),
      API_HOST: '127.0.0.1',
    },
  });
  await waitUntilServing(api, `http://127.0.0.1:${options.port}/${options.until ?? 'readyz'}`, options.timeoutMs);
  return api;
}

/** Starts `relay/main.ts` and waits until /readyz answers 200 (its change stream is open). */
export async function startRelayProcess(options: SystemProcessOptions): Promise<ServiceProcess> {
  const relay = startService({
    entry: 'relay/main.ts',
    logFile: options.logFile,
    env: {
      LOG_LEVEL: 'warn',
      ...options.env,
      MONGO_URL: options.mongoUrl,
      MONGO_DB: options.database,
      RELAY_PORT: String(options.port),
      RELAY_HOST: '127.0.0.1',
    },
  });
  await waitUntilServing(relay, `http://127.0.0.1:${options.port}/${options.until ?? 'readyz'}`, options.timeoutMs);
  return relay;
}
