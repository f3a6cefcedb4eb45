import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductListBody } from '../../api/product-routes.js';
import { apiFixture, steppingClock, type ApiFixture } from './api-fixture.js';

let api: ApiFixture;
let sameInstant: ApiFixture;
beforeAll(async () => {
  api = await apiFixture(import.meta.url, { clock: steppingClock() });
  // Every product created at the same millisecond: the order then rests on the id alone.
  const instant = new Date('2026-03-01T12:00:00.000Z');
  sameInstant = await apiFixture('api_pagination_same_instant', { clock: () => instant });
});
afterAll(async () => {
  await api?.close();
  await sameInstant?.close();
});

async function createMany(fixture: ApiFixture, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const response = await fixture.send('POST', '/api/product/', { nombre: `${prefix} ${n}`, precio: n, talla: 'M' });
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
}

async function page(fixture: ApiFixture, query: string): Promise<ProductListBody> {
  const response = await fixture.send('GET', `/api/product/?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ProductListBody;
}

async function walk(fixture: ApiFixture, limit: number): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after: string | null = null;
  do {
    const body: ProductListBody = await page(fixture, `limit=${limit}${after ? `&after=${after}` : ''}`);
    sizes.push(body.items.length);
    ids.push(...body.items.map((item) => item.id));
    after = body.next;
  } while (after !== null && sizes.length < 100);
  return { ids, sizes };
}

describe('listing products', () => {
  let created: string[];
  beforeAll(async () => {
    created = await createMany(api, 45, 'product');
  });

  it('returns 20 newest first by default, with a cursor to the next page', async () => {
    const body = await page(api, '');
    expect(body.items.map((item) => item.id)).toEqual(created.slice(-20).reverse());
    expect(body.next).toEqual(expect.any(String));
  });

  it('walks every product exactly once, newest first, page by page', async () => {
    const { ids, sizes } = await walk(api, 10);
    expect(sizes).toEqual([10, 10, 10, 10, 5]);
    expect(ids).toEqual([...created].reverse());
  });

  it('gives up to 100 in one page and no next cursor on the last page', async () => {
    const body = await page(api, 'limit=100');
    expect(body.items).toHaveLength(45);
    expect(body.next).toBeNull();
    const one = await page(api, 'limit=1');
    expect(one.items).toHaveLength(1);
  });

  it('neither repeats nor skips products when others are inserted and deleted between pages', async () => {
    const first = await page(api, 'limit=15');
    await createMany(api, 5, 'late');
    const seen = first.items.map((item) => item.id);
    expect((await api.send('DELETE', `/api/product/${seen[3]}`)).status).toBe(204);

    const rest: string[] = [];
    let after = first.next;
    while (after) {
      const body = await page(api, `limit=15&after=${after}`);
      rest.push(...body.items.map((item) => item.id));
      after = body.next;
    }
    expect([...seen, ...rest]).toEqual([...created].reverse());
  });

  it('orders products created in the same millisecond by id', async () => {
    const ids = await createMany(sameInstant, 7, 'tie');
    const { ids: listed } = await walk(sameInstant, 3);
    expect(listed).toEqual([...ids].sort().reverse());
  });

  it('refuses a limit outside 1–100 and a cursor it did not issue', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'after=not-a-cursor', 'sort=precio']) {
      const response = await api.send('GET', `/api/product/?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
