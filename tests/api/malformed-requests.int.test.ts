import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type ApiServer } from '../../api/server.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';
import { createApp } from '../../api/app.js';
import { silentLogger } from '../../common/logger.js';
import { expectedStatusWithoutToken, MALFORMED_API_REQUESTS, type MalformedRequest } from './malformed-requests.js';

let api: ApiFixture;
let server: ApiServer;
beforeAll(async () => {
  api = await apiFixture(import.meta.url);
  server = await listen(api.app, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close(1_000);
  await api?.close();
});

function init(row: MalformedRequest): RequestInit {
  return { method: row.method, headers: row.headers, body: row.body };
}

async function expectAnswer(row: MalformedRequest, response: Response, status: number = row.status): Promise<void> {
  expect(response.status, row.name).toBe(status);
  expect(response.headers.get('content-type'), row.name).toBe('application/problem+json');
  const problem = (await response.json()) as { status: number; title: string };
  expect(problem.status).toBe(status);
  expect(problem.title).toEqual(expect.any(String));
}

describe('malformed API requests', () => {
  it('has a table of at least 80 rows', () => {
    expect(MALFORMED_API_REQUESTS.length).toBeGreaterThanOrEqual(80);
  });

  it.each(MALFORMED_API_REQUESTS.map((row) => [row.name, row] as const))('%s gets its documented answer', async (_name, row) => {
    await expectAnswer(row, await api.app.request(row.path, init(row)));
  });

  it('answers every row the same over a real socket, and keeps serving afterwards', async () => {
    const before = await api.db.collection('products').countDocuments();
    for (const row of MALFORMED_API_REQUESTS) {
      await expectAnswer(row, await fetch(`${server.url}${row.path}`, init(row)));
    }
    expect(await api.db.collection('products').countDocuments()).toBe(before);
    const created = await fetch(`${server.url}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SEED),
    });
    expect(created.status).toBe(201);
  });

  it('answers every row without a token with 401 on guarded writes and as before elsewhere, when writes need a token', async () => {
    const guarded = createApp({ db: api.db, logger: silentLogger(), jwtSecret: 'a-secret-of-at-least-thirty-two-characters' });
    let unauthorized = 0;
    for (const row of MALFORMED_API_REQUESTS) {
      const status = expectedStatusWithoutToken(row);
      if (status === 401) unauthorized += 1;
      await expectAnswer(row, await guarded.request(row.path, init(row)), status);
    }
    expect(unauthorized).toBeGreaterThan(50);
  });
});
