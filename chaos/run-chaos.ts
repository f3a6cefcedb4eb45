import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { ChaosOptions } from './options.js';
import { openChaosMongo } from './mongo-backend.js';
import { freePort } from './free-port.js';
import { killAllServices, waitUntilServing, type ServiceProcess } from './service-process.js';
import { startApiProcess, startRelayProcess } from './system-processes.js';
import { ResumingClient } from './resuming-client.js';
import { faultGate, planFaults, type PlannedFault } from './fault-plan.js';
import { writeProducts } from './product-writer.js';
import { readCanonicalOrder } from './canonical-order.js';
import { isClean, judge, type Verdict } from './verdict.js';
import { snapshotPosition } from './snapshot-position.js';
import { judgeLiveCollections, startLiveCollections, type LiveVerdict } from './live-check.js';
import type { LiveCollection } from '../client/index.js';

// One chaos run, start to finish: MongoDB, the API and the relay as child processes, K resuming
// consumers and L live collections (both through the client library) in this process, N products
// written while faults are injected, then the verdict.

/** What a run found. */
export interface ChaosReport {
  backend: string;
  notes: string[];
  written: number;
  writeRetries: number;
  writeFailures: string[];
  inDatabase: number;
  canonical: number;
  faults: Record<PlannedFault['kind'], number>;
  consumers: Array<Verdict & { connections: number; closeCodes: number[] }>;
  /** Live collections (client library): each must end equal to MongoDB's products. */
  live: LiveVerdict[];
  /** Warnings and errors the services printed (each relay life separately), for diagnosis. */
  serviceLogs: Array<{ name: string; lines: string[] }>;
  /** Service exits nobody asked for (a crash). */
  crashes: string[];
  passed: boolean;
}

/** Runs the scenario; `log` gets one line per step. Cleans up whatever happens. */
export async function runChaos(options: ChaosOptions, env: { mongoUrl?: string }, log: (line: string) => void): Promise<ChaosReport> {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const database = `chaos_${runId}`;
  const late = options.lateMongoSeconds > 0 && !env.mongoUrl;
  const mongo = await openChaosMongo(env.mongoUrl, options.dropMode, { deferStart: late });
  const clients: ResumingClient[] = [];
  let lives: LiveCollection[] = [];
  let checker: MongoClient | undefined;
  const crashes: string[] = [];
  const notes: string[] = [];
  const serviceLogs: ChaosReport['serviceLogs'] = [];
  try {
    log(`mongo: ${mongo.description}; database ${database}`);
    const drops = mongo.dropsUnavailable ? 0 : options.drops;
    const restarts = mongo.restartsUnavailable ? 0 : options.mongoRestarts;
    const stalls = mongo.stallsUnavailable ? 0 : options.mongoStalls;
    if (mongo.stallsUnavailable && (options.mongoStalls > 0 || options.lateMongoSeconds > 0))
      notes.push(`stalls and a late start skipped: ${mongo.stallsUnavailable}`);
    if (mongo.dropsUnavailable && options.drops > 0) notes.push(`connection drops skipped: ${mongo.dropsUnavailable}`);
    if (mongo.restartsUnavailable && options.mongoRestarts > 0) notes.push(`MongoDB restarts skipped: ${mongo.restartsUnavailable}`);
    for (const note of notes) log(note);

    const apiPort = await freePort();
    let relayPort = await freePort();
    while (relayPort === apiPort) relayPort = await freePort();
    const common = { mongoUrl: mongo.url, database, env: { LOG_LEVEL: options.verbose ? 'info' : 'warn' } };
    const watchCrash = (name: string, service: ServiceProcess, expected: () => boolean) =>
      void service.exited.then(({ code, signal }) => {
        if (!expected())
          crashes.push(`${name} exited on its own (code ${code}, signal ${signal})\n${service.output.slice(-20).join('\n')}`);
      });

    let stopping = false;
    const logFile = (name: string) => (options.logDir ? join(options.logDir, `chaos-${runId}-${name}.log`) : undefined);
    if (options.logDir) log(`service logs: ${join(options.logDir, `chaos-${runId}-*.log`)}`);
    // A late MongoDB: the services start first and must only be alive; they become ready on their own.
    const until = late ? 'healthz' : 'readyz';
    const api = await startApiProcess({ ...common, port: apiPort, logFile: logFile('api'), until });
    watchCrash('api', api, () => stopping);
    serviceLogs.push({ name: 'api', lines: api.output });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    let relayUntil: 'readyz' | 'healthz' = until;
    const startRelay = async () => {
      const relay = await startRelayProcess({ ...common, port: relayPort, logFile: logFile('relay'), until: relayUntil });
      let killed = false;
      watchCrash('relay', relay, () => stopping || killed);
      serviceLogs.push({ name: `relay life ${serviceLogs.length}`, lines: relay.output });
      return { relay, kill: async () => ((killed = true), await relay.stop('SIGKILL')) };
    };
    let relay = await startRelay();
    log(`api on :${apiPort}, relay on :${relayPort} (child processes)`);
    if (late) {
      log(`MongoDB is not there yet; starting it in ${options.lateMongoSeconds} s (api and relay keep running, /readyz 503)`);
      await new Promise((resolve) => setTimeout(resolve, options.lateMongoSeconds * 1000));
      const up = Date.now();
      await mongo.start();
      await Promise.all([
        waitUntilServing(api, `${`http://127.0.0.1:${apiPort}`}/readyz`, 30_000),
        waitUntilServing(relay.relay, `http://127.0.0.1:${relayPort}/readyz`, 30_000),
      ]);
      log(`late MongoDB up: api and relay ready ${Date.now() - up} ms later, without a restart`);
      relayUntil = 'readyz';
    }

    const position = await snapshotPosition(apiUrl);
    log(`start position ${position} (GET /api/product/)`);
    for (let i = 0; i < options.consumers; i++) {
      clients.push(new ResumingClient({ url: `ws://127.0.0.1:${relayPort}/`, since: position, minDelayMs: 20, maxDelayMs: 500 }));
    }
    await Promise.all(clients.map((client) => client.start()));
    log(`${clients.length} consumers connected with since=${position}`);
    const liveStart = await startLiveCollections(options.liveCollections, apiUrl, `ws://127.0.0.1:${relayPort}/`);
    lives = liveStart.collections;
    if (lives.length > 0) log(`${lives.length} live collections loaded and subscribed`);

    const faultCounts = {
      'relay-kill': options.relayKills,
      'mongo-drop': drops,
      'mongo-restart': restarts,
      'mongo-stall': stalls,
      'index-loss': options.indexLosses,
    };
    const done = { 'relay-kill': 0, 'mongo-drop': 0, 'mongo-restart': 0, 'mongo-stall': 0, 'index-loss': 0 };
    const started = Date.now();
    const runFault = async (fault: PlannedFault) => {
      const t0 = Date.now();
      if (fault.kind === 'relay-kill') {
        await relay.kill();
        relay = await startRelay();
      } else if (fault.kind === 'mongo-drop') {
        await mongo.dropConnections();
      } else if (fault.kind === 'mongo-stall') {
        await mongo.stall(options.stallSeconds * 1000);
      } else if (fault.kind === 'index-loss') {
        await dropEveryIndex(mongo.url, database);
      } else {
        await mongo.restart();
      }
      done[fault.kind] += 1;
      log(`${fault.kind} #${done[fault.kind]} at product ${fault.atProduct}: done in ${Date.now() - t0} ms`);
    };
    const { gate, settled } = faultGate(planFaults(options.products, faultCounts), runFault);
    // The write phase gets the time limit minus what the checks need, so a stuck system still gets a verdict.
    const writeBudgetMs = Math.max(20_000, options.seconds * 1000 - 100_000);
    const writeDeadline = AbortSignal.timeout(writeBudgetMs);
    const written = await writeProducts({
      apiUrl,
      count: options.products,
      concurrency: options.concurrency,
      runId,
      beforeWrite: gate,
      signal: writeDeadline,
    });
    if (writeDeadline.aborted)
      notes.push(`the writes did not finish within ${writeBudgetMs / 1000} s; API /readyz: ${await status(`${apiUrl}/readyz`)}`);
    await Promise.race([settled(), new Promise((resolve) => setTimeout(resolve, 20_000))]);
    log(`wrote ${written.products.length} products in ${Date.now() - started} ms (${written.retries} retried attempts)`);

    checker = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 10_000 });
    const collection = checker.db(database).collection('products');
    const inDatabase = await collection.countDocuments({});
    const catchUpStart = Date.now();
    const caughtUp = await Promise.allSettled(clients.map((client) => client.untilProducts(inDatabase, 60_000)));
    const behind = caughtUp.filter((outcome) => outcome.status === 'rejected').length;
    log(
      behind === 0
        ? `all consumers caught up ${Date.now() - catchUpStart} ms after the last write`
        : `${behind} consumers still behind after 60 s`,
    );
    if (behind > 0)
      notes.push(`${behind} consumers never caught up; relay /readyz: ${await status(`http://127.0.0.1:${relayPort}/readyz`)}`);

    const canonical = await readCanonicalOrder(collection, { after: position, expected: inDatabase, timeoutMs: 30_000 });
    const live = await judgeLiveCollections(lives, liveStart.resets, collection, 30_000);
    const consumers = clients.map((client) => ({
      ...judge(canonical, client.record.events, client.record.resets, client.record.malformed.length),
      connections: client.record.connections,
      closeCodes: client.record.closeCodes,
    }));
    stopping = true;
    const passed =
      crashes.length === 0 &&
      written.failures.length === 0 &&
      written.products.length === options.products &&
      inDatabase === options.products &&
      canonical.length === inDatabase &&
      consumers.every((verdict) => isClean(verdict)) &&
      live.every((verdict) => verdict.missing === 0 && verdict.extra === 0 && verdict.differing === 0 && verdict.resets === 0);
    return {
      backend: mongo.description,
      notes,
      written: written.products.length,
      writeRetries: written.retries,
      writeFailures: written.failures,
      inDatabase,
      canonical: canonical.length,
      faults: done,
      consumers,
      live,
      crashes,
      serviceLogs,
      passed,
    };
  } finally {
    for (const client of clients) client.stop();
    await Promise.all(lives.map((live) => live.stop()));
    await checker?.close().catch(() => {});
    await killAllServices();
    await mongo.close().catch(() => {});
  }
}

/** Drops every index of the run's collections but _id (a restore without indexes, as the API sees it). */
async function dropEveryIndex(url: string, database: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, appName: 'chaos-faults' });
  try {
    for (const name of ['products', 'idempotency_keys']) {
      await client
        .db(database)
        .collection(name)
        .dropIndexes()
        .catch(() => undefined);
    }
  } finally {
    await client.close();
  }
}

/** A status line for diagnosis: the HTTP status and body of a health endpoint, or why it failed. */
async function status(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return `${response.status} ${(await response.text()).slice(0, 200)}`;
  } catch (error) {
    return String(error);
  }
}
