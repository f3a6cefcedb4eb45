import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { silentLogger } from '../../common/logger.js';
import type { Product } from '../../contract/product.js';

// CORS as a browser on another origin experiences it: a preflight for a JSON write with a token,
// then the request itself, whose headers its script can read only if the API exposes them.

const product: Product = {
  id: 'a'.repeat(24),
  nombre: 'iPhone 15',
  precio: 999.99,
  talla: 'L',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const stores = {
  repository: {
    list: async () => ({ documents: [], hasMore: false, readAt: { t: 1_764_300_000, i: 7 } }),
    get: async () => product,
    insert: async () => product,
    replace: async () => product,
    patch: async () => product,
    remove: async () => true,
  },
  idempotency: { claim: async () => ({ kind: 'new' as const }), complete: async () => undefined },
  ready: async () => true,
};

function app(origins?: string[]) {
  const deps = { logger: silentLogger(), ...stores, cors: origins ? { origins } : undefined };
  return createApp(deps as unknown as Parameters<typeof createApp>[0]);
}

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,authorization' },
});

describe('CORS on the API', () => {
  it('answers a preflight from a listed origin with what a write needs', async () => {
    const response = await app(['https://shop.example']).request('/api/product/', preflight('https://shop.example'));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['POST', 'PATCH', 'PUT', 'DELETE']),
    );
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['Content-Type', 'Authorization', 'Idempotency-Key']),
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('lets a listed origin read the list and its stream position', async () => {
    const response = await app(['https://shop.example']).request('/api/product/', { headers: { Origin: 'https://shop.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(response.headers.get('access-control-expose-headers')).toContain('Stream-Position');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('gives an origin that is not listed nothing a browser would accept', async () => {
    const api = app(['https://shop.example']);
    const read = await api.request('/api/product/', { headers: { Origin: 'https://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await api.request('/api/product/', preflight('https://evil.example'));
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers at all by default', async () => {
    const api = app();
    const read = await api.request('/api/product/', { headers: { Origin: 'https://shop.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await api.request('/api/product/', preflight('https://shop.example'));
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.status).not.toBe(204);
  });

  it('allows any origin with *', async () => {
    const response = await app(['*']).request('/api/product/', preflight('http://localhost:5173'));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});
