import { MongoClient } from 'mongodb';
import type { ApiTargetInfo, ApiTargetOps } from '../api-process.js';
import { CREATE_BODY, type ApiOp, type ApiTargetName } from '../api-targets.js';
import { Child } from '../children.js';
import { cpuMs } from '../clock.js';
import type { ServiceInfo, ServiceOps } from '../e2e-process.js';
import { combineHttpLoads, runHttpLoad, runHttpLoadSlice, type HttpLoadSlice, type HttpRequestSpec } from '../http-load.js';
import type { RunResult } from '../results.js';

// The API's request path against its peers (issue 16): the project's API, the Hono floor, the
// node:http ceiling and Express, each in its own process over one MongoDB (MONGO_URL, else the double
// in its own process), each with a database of its own seeded alike. Within a repeat every operation is
// measured on every target in turns: the measured seconds come in slices (2 s each at full size), one
// slice per target in turn, the order rotated every turn and every repeat. A shared machine's speed
// drifts by a third within seconds; targets measured in alternating slices see the same drift, which
// one run per target after the other does not (the ratio of two back-to-back 10 s runs spread from
// 0.60 to 0.88 over nine repeats of the same code; in 1 s slices, from 0.72 to 0.83).

/** Size of the api scenario. */
export interface ApiPlan {
  targets: ApiTargetName[];
  ops: ApiOp[];
  connections: number;
  /** Measured seconds per operation and target. */
  seconds: number;
  /** Turns those seconds are measured in (each target runs `seconds / slices` per turn). */
  slices: number;
  /** Unmeasured load per operation and target right before that operation's runs (JIT, pools, caches). */
  warmUpSeconds: number;
}

/** The request of each operation. */
export function requestOf(op: ApiOp, productId: string): HttpRequestSpec {
  switch (op) {
    case 'create':
      return { method: 'POST', path: '/api/product/', body: CREATE_BODY };
    case 'createOnce':
      return { method: 'POST', path: '/api/product/', body: CREATE_BODY, headers: { 'idempotency-key': 'bench-[<id>]' }, uniqueIds: true };
    case 'get':
      return { method: 'GET', path: `/api/product/${productId}` };
    case 'list':
      return { method: 'GET', path: '/api/product/?limit=20' };
  }
}

const isWrite = (op: ApiOp) => op === 'create' || op === 'createOnce';
const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, index) => items[(index + by) % items.length]!);

/** One repeat of the api scenario: a run per operation and target; the processes end with it. */
export async function runApi(
  repeat: number,
  plan: ApiPlan,
  { profileDir, runId }: { profileDir?: string; runId: number },
): Promise<RunResult[]> {
  const mongoUrlGiven = process.env.MONGO_URL ?? '';
  const stops: (() => Promise<void>)[] = [];
  const databases: string[] = [];
  const results: RunResult[] = [];
  const failed = (target: ApiTargetName, op: ApiOp, error: unknown): RunResult => ({
    scenario: 'api',
    target,
    repeat,
    lost: 0,
    outOfOrder: 0,
    api: { op },
    error: error instanceof Error ? error.message : String(error),
  });
  try {
    let mongoUrl = mongoUrlGiven;
    let mongo: Child<ServiceOps> | undefined;
    if (!mongoUrl) {
      const started = await Child.start<ServiceOps, ServiceInfo>('./e2e-process.ts', ['mongo', '', ''], { name: 'api mongo' });
      stops.push(() => started.child.kill());
      mongo = started.child;
      mongoUrl = started.info.url;
    }
    const targets = new Map<ApiTargetName, { child: Child<ApiTargetOps>; info: ApiTargetInfo }>();
    for (const name of plan.targets) {
      const database = `bench_api_${process.pid}_${runId}_${name}`;
      databases.push(database);
      const started = await Child.start<ApiTargetOps, ApiTargetInfo>('./api-process.ts', [name, mongoUrl, database], {
        name: `api target ${name}`,
        // Every target is profiled, each into its own folder, so the API's profile can be read against its peers'.
        nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/api-${name}`] : [],
      });
      // A clean exit first (a CPU profile is written at exit), then the kill that always works.
      stops.push(async () => {
        started.child.notify('exit', null);
        await started.child.kill(5_000);
      });
      targets.set(name, started);
    }
    for (const [name, { info }] of targets) for (const op of plan.ops) await checkAnswer(name, op, info);
    // Reads first, while every target's collection holds the same documents (the writes of a faster
    // target would otherwise leave it more to sort for the list).
    for (const op of [...plan.ops].sort((a, b) => Number(isWrite(a)) - Number(isWrite(b)))) {
      for (const [, { info }] of targets)
        await runHttpLoad(info.url, requestOf(op, info.productId), { connections: plan.connections, seconds: plan.warmUpSeconds });
      const measured = new Map<ApiTargetName, { slices: HttpLoadSlice[]; cpuMs: { target: number; mongo: number; load: number } }>();
      const broken = new Map<ApiTargetName, unknown>();
      for (let turn = 0; turn < plan.slices; turn++) {
        for (const name of rotate(plan.targets, repeat - 1 + turn)) {
          if (broken.has(name)) continue;
          const { child, info } = targets.get(name)!;
          try {
            const before = { target: await child.call('cpu', null), mongo: (await mongo?.call('cpu', null)) ?? 0, load: cpuMs() };
            const slice = await runHttpLoadSlice(info.url, requestOf(op, info.productId), {
              connections: plan.connections,
              seconds: plan.seconds / plan.slices,
            });
            const sofar = measured.get(name) ?? { slices: [], cpuMs: { target: 0, mongo: 0, load: 0 } };
            sofar.slices.push(slice);
            sofar.cpuMs.target += (await child.call('cpu', null)) - before.target;
            sofar.cpuMs.mongo += ((await mongo?.call('cpu', null)) ?? 0) - before.mongo;
            sofar.cpuMs.load += cpuMs() - before.load;
            measured.set(name, sofar);
          } catch (error) {
            broken.set(name, error);
          }
        }
      }
      for (const name of plan.targets) {
        const sofar = measured.get(name);
        if (broken.has(name) || !sofar) {
          results.push(failed(name, op, broken.get(name) ?? new Error('no slice was measured')));
          continue;
        }
        const load = combineHttpLoads(sofar.slices);
        const ms = load.seconds * 1000;
        const problems = [
          load.non2xx > 0 ? `${load.non2xx} answers not 2xx` : '',
          load.errors > 0 ? `${load.errors} connection errors or timeouts` : '',
        ].filter(Boolean);
        results.push({
          scenario: 'api',
          target: name,
          repeat,
          lost: 0,
          outOfOrder: 0,
          seconds: load.seconds,
          latency: { p50: load.p50, p99: load.p99, max: load.max, samples: load.requests },
          cpuPercent: { target: (100 * sofar.cpuMs.target) / ms, load: (100 * sofar.cpuMs.load) / ms },
          api: {
            op,
            requestsPerSecond: load.requestsPerSecond,
            requests: load.requests,
            ...(mongo ? { mongoCpuPercent: (100 * sofar.cpuMs.mongo) / ms } : {}),
          },
          ...(problems.length ? { error: problems.join(', ') } : {}),
        });
      }
    }
  } catch (error) {
    // Nothing could be measured in this repeat (a process did not start, or a target answered wrongly).
    for (const op of plan.ops)
      for (const name of plan.targets)
        if (!results.some((r) => r.target === name && r.api?.op === op)) results.push(failed(name, op, error));
  } finally {
    if (mongoUrlGiven) await dropDatabases(mongoUrlGiven, databases);
    for (const stop of stops.reverse()) await stop();
  }
  return results;
}

/** One request of `op` must get the answer the API gives (201/200 with JSON), else the target is broken. */
async function checkAnswer(name: ApiTargetName, op: ApiOp, info: ApiTargetInfo): Promise<void> {
  const spec = requestOf(op, info.productId);
  const headers: Record<string, string> = { ...(spec.body ? { 'content-type': 'application/json' } : {}) };
  for (const [header, value] of Object.entries(spec.headers ?? {})) headers[header] = value.replace('[<id>]', `check-${name}`);
  const response = await fetch(`${info.url}${spec.path}`, { method: spec.method, headers, ...(spec.body ? { body: spec.body } : {}) });
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  const expected = spec.method === 'POST' ? 201 : 200;
  const shaped = op === 'list' ? Array.isArray(body?.items) && (body.items as unknown[]).length === 20 : body?.nombre !== undefined;
  if (response.status !== expected || !shaped)
    throw new Error(`${name} answered ${op} with ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
}

/** Leaves a real MONGO_URL as it was found (the double dies with its process anyway). */
export async function dropDatabases(mongoUrl: string, databases: string[]): Promise<void> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    for (const database of databases) await client.db(database).dropDatabase();
  } catch {
    // Best effort: a leftover bench_api_* database is harmless.
  } finally {
    await client.close().catch(() => undefined);
  }
}
