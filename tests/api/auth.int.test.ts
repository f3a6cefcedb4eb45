import { SignJWT, UnsecuredJWT } from 'jose';
import { API_AUDIENCE, RELAY_AUDIENCE } from '../../common/tokens.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../contract/product.js';
import { apiFixture, SEED, type ApiFixture } from './api-fixture.js';
import { respellSignature } from '../harness/tampered-token.js';

const secret = 'test-secret-that-is-at-least-32-characters-long';
let api: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url, { jwtSecret: secret });
});
afterAll(() => api?.close());

function token(
  options: { key?: string; expiresIn?: string | number | null; notBefore?: string | number; audience?: string | null } = {},
): Promise<string> {
  const jwt = new SignJWT({ sub: 'tests' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  // An API write token by default (null leaves a claim out).
  if (options.audience !== null) jwt.setAudience(options.audience ?? API_AUDIENCE);
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(options.key ?? secret));
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

describe('writes protected by API_JWT_SECRET', () => {
  it('creates, replaces, patches and deletes with a valid HS256 token', async () => {
    const headers = bearer(await token({ expiresIn: '5m' }));
    const created = await api.send('POST', '/api/product/', SEED, headers);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as Product;
    expect((await api.send('PUT', `/api/product/${id}`, SEED, headers)).status).toBe(200);
    expect((await api.send('PATCH', `/api/product/${id}`, { precio: 1 }, headers)).status).toBe(200);
    expect((await api.send('DELETE', `/api/product/${id}`, undefined, headers)).status).toBe(204);
  });

  it('refuses every write without a token with 401 and a Bearer challenge', async () => {
    const before = await api.db.collection('products').countDocuments();
    for (const [method, path] of [
      ['POST', '/api/product/'],
      ['PUT', '/api/product/0123456789abcdef01234567'],
      ['PATCH', '/api/product/0123456789abcdef01234567'],
      ['DELETE', '/api/product/0123456789abcdef01234567'],
    ] as const) {
      const response = await api.send(method, path, method === 'DELETE' ? undefined : SEED);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await api.db.collection('products').countDocuments()).toBe(before);
  });

  it.each([
    ['a token signed with another secret', () => token({ key: 'another-secret-that-is-also-32-chars-long!' })],
    ['an expired token', () => token({ expiresIn: Math.floor(Date.now() / 1000) - 60 })],
    ['a token not valid yet', () => token({ notBefore: Math.floor(Date.now() / 1000) + 3600 })],
    ['an unsigned (alg none) token', async () => new UnsecuredJWT({ sub: 'x' }).encode()],
    ['a token of another algorithm', () => new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(secret))],
    ['garbage', async () => 'not.a.jwt'],
    ['a relay token (the relay audience), signed with the same secret', () => token({ audience: RELAY_AUDIENCE })],
    ['a token without audience', () => token({ audience: null })],
    ['a token without expiry', () => token({ expiresIn: null })],
    ['a valid token with its signature respelled in the bits decoders ignore', async () => respellSignature(await token())],
  ])('refuses %s with 401 invalid_token', async (_name, make) => {
    const response = await api.send('POST', '/api/product/', SEED, bearer(await make()));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('refuses other schemes', async () => {
    const response = await api.send('POST', '/api/product/', SEED, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(response.status).toBe(401);
  });

  it('keeps reads and health open', async () => {
    expect((await api.send('GET', '/api/product/')).status).toBe(200);
    expect((await api.send('GET', '/api/product/0123456789abcdef01234567')).status).toBe(404);
    expect((await api.send('GET', '/healthz')).status).toBe(200);
    expect((await api.send('GET', '/readyz')).status).toBe(200);
  });
});
