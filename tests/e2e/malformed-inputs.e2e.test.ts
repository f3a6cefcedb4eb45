import { SignJWT } from 'jose';
import { API_AUDIENCE } from '../../common/tokens.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../chaos/free-port.js';
import { productBody } from '../../chaos/product-writer.js';
import { ResumingClient } from '../../chaos/resuming-client.js';
import type { ServiceProcess } from '../../chaos/service-process.js';
import { startApiProcess, startRelayProcess } from '../../chaos/system-processes.js';
import { expectedStatusWithoutToken, MALFORMED_API_REQUESTS, type MalformedRequest } from '../api/malformed-requests.js';
import {
  MALFORMED_RELAY_INPUTS,
  MALFORMED_RELAY_ORIGIN,
  MALFORMED_RELAY_SECRET,
  VALID_RELAY_TOKEN,
  type MalformedRelayInput,
} from '../relay/malformed-connections.js';
import { answerRelayInput } from '../relay/malformed-runner.js';
import { mongoUrl, testDatabaseName } from '../harness/mongo.js';

// Issue 5.8 across the running system: the API and the relay as real processes, auth and an origin
// allow list on, every malformed input from both tables (the API's rows with and without a valid
// token, plus bad tokens on writes) gets its documented answer, nothing answers 5xx, neither process
// dies, and a healthy WebSocket client keeps receiving every product written in between.

const DATABASE = testDatabaseName(import.meta.url);
const API_SECRET = 'malformed-inputs-api-secret-of-at-least-32-chars';
const WRITE_EVERY = 10;

type Answer = { name: string; expected: unknown; got: unknown };

function apiInit(row: MalformedRequest, token?: string): RequestInit {
  return { method: row.method, headers: { ...row.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: row.body };
}

async function apiAnswer(url: string, row: MalformedRequest, token?: string): Promise<number> {
  const response = await fetch(`${url}${row.path}`, { ...apiInit(row, token), signal: AbortSignal.timeout(10_000) });
  await response.body?.cancel();
  return response.status;
}

describe('malformed input across the API and the relay', () => {
  let api: ServiceProcess;
  let relay: ServiceProcess;
  let apiUrl: string;
  let relayPort: number;
  let apiToken: string;

  beforeAll(async () => {
    const [apiPort, port] = [await freePort(), await freePort()];
    relayPort = port;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const options = { mongoUrl: mongoUrl(), database: DATABASE };
    [api, relay] = await Promise.all([
      startApiProcess({ ...options, port: apiPort, env: { API_JWT_SECRET: API_SECRET } }),
      startRelayProcess({
        ...options,
        port: relayPort,
        env: {
          RELAY_JWT_SECRET: MALFORMED_RELAY_SECRET,
          RELAY_ALLOWED_ORIGINS: MALFORMED_RELAY_ORIGIN,
          RELAY_MAX_PAYLOAD: '4096',
          RELAY_CLIENT_MESSAGES_PER_SECOND: '20',
        },
      }),
    ]);
    apiToken = await new SignJWT({ sub: 'malformed-run' })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(API_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(API_SECRET));
  }, 40_000);

  afterAll(async () => {
    await Promise.all([api?.stop('SIGTERM'), relay?.stop('SIGTERM')]);
  });

  it('answers every input as documented, never 5xx, and keeps serving a healthy client throughout', async () => {
    const healthy = new ResumingClient({ url: `ws://127.0.0.1:${relayPort}/`, query: { access_token: VALID_RELAY_TOKEN } });
    await healthy.start();

    // Bad tokens on an otherwise valid write: the relay table's tokens, sent to the API.
    const tokenRows = MALFORMED_RELAY_INPUTS.filter((input) => input.name.startsWith('token (header): '));
    type Job = () => Promise<Answer>;
    const jobs: Job[] = [
      ...MALFORMED_API_REQUESTS.map((row): Job => async () => ({
        name: `api without token: ${row.name}`,
        expected: expectedStatusWithoutToken(row),
        got: await apiAnswer(apiUrl, row),
      })),
      ...MALFORMED_API_REQUESTS.map((row): Job => async () => ({
        name: `api with token: ${row.name}`,
        expected: row.status,
        got: await apiAnswer(apiUrl, row, apiToken),
      })),
      ...tokenRows.map((input): Job => async () => {
        const row: MalformedRequest = {
          name: input.name,
          method: 'POST',
          path: '/api/product/',
          headers: { 'content-type': 'application/json', ...input.headers },
          body: JSON.stringify(productBody('bad-token', 0)),
          status: 400,
        };
        return { name: `api ${input.name}`, expected: 401, got: await apiAnswer(apiUrl, row) };
      }),
      ...MALFORMED_RELAY_INPUTS.map((input: MalformedRelayInput): Job => async () => ({
        name: `relay ${input.name}`,
        expected: input.expect,
        got: await answerRelayInput('127.0.0.1', relayPort, input),
      })),
    ];
    expect(jobs.length).toBeGreaterThanOrEqual(200);

    const answers: Answer[] = [];
    const written: string[] = [];
    let next = 0;
    let done = 0;
    // A few inputs in flight at once; after every WRITE_EVERY answers, one valid product is written.
    const workers = Array.from({ length: 6 }, async () => {
      for (let job = jobs[next++]; job; job = jobs[next++]) {
        answers.push(await job());
        if (++done % WRITE_EVERY === 0) {
          const response = await fetch(`${apiUrl}/api/product/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
            body: JSON.stringify(productBody('healthy', done)),
          });
          expect(response.status).toBe(201);
          written.push(((await response.json()) as { id: string }).id);
        }
      }
    });
    await Promise.all(workers);

    expect(answers).toHaveLength(jobs.length);
    console.log(`malformed run: ${jobs.length} inputs, ${written.length} products written between them`);
    const wrong = answers.filter((answer) => JSON.stringify(answer.expected) !== JSON.stringify(answer.got));
    expect(wrong).toEqual([]);
    const serverErrors = answers.filter((answer) => {
      const got = answer.got as number | { http?: number };
      return typeof got === 'number' ? got >= 500 : (got.http ?? 0) >= 500;
    });
    expect(serverErrors).toEqual([]);

    // Both processes are alive and serving; the healthy client got every product, once, on one connection.
    expect(api.child.exitCode).toBeNull();
    expect(relay.child.exitCode).toBeNull();
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${relayPort}/healthz`)).status).toBe(200);
    await healthy.untilProducts(written.length, 15_000);
    expect(healthy.record.events.map((event) => event.key.id).sort()).toEqual([...written].sort());
    expect(healthy.record.connections).toBe(1);
    expect(healthy.record.closeCodes).toEqual([]);
    expect(written.length).toBeGreaterThanOrEqual(Math.floor(jobs.length / WRITE_EVERY));
    healthy.stop();
  }, 120_000);
});
