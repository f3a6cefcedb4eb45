import type { Product } from '../contract/product.js';

// Reads the whole catalogue from the API, page by page, with the stream position of the first
// page's snapshot. Events after that position, applied on top of all the pages as upserts and
// deletes, give the current state: later pages may already show some of those changes, and
// applying a full document again leaves the same state (docs/api.md).

/** A fetch function (the global one, or a test's). */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

/** The catalogue as of `position`, plus whatever changed while later pages were read. */
export interface Snapshot {
  products: Product[];
  position: string;
}

/** Where and how to read. */
export interface SnapshotOptions {
  /** http(s)://host:port of the API. */
  apiUrl: string;
  fetch: FetchLike;
  signal?: AbortSignal;
  /** Page size asked for (the API allows 1–100). */
  pageSize?: number;
  /** Refuse catalogues larger than this rather than grow without bound. */
  maxProducts?: number;
}

/** A failed snapshot read; `retry` says whether trying again later may help (5xx, network). */
export class SnapshotError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'SnapshotError';
  }
}

interface Page {
  items: Product[];
  next: string | null;
  position: string;
}

function isPage(value: unknown): value is Page {
  const page = value as Partial<Page> | null;
  return typeof page === 'object' && page !== null && Array.isArray(page.items) && typeof page.position === 'string';
}

/** Reads every page; throws SnapshotError. */
export async function loadSnapshot({ apiUrl, fetch, signal, pageSize = 100, maxProducts = 100_000 }: SnapshotOptions): Promise<Snapshot> {
  const products: Product[] = [];
  let position: string | undefined;
  let after: string | null = null;
  do {
    const url = new URL('/api/product/', apiUrl);
    url.searchParams.set('limit', String(pageSize));
    if (after !== null) url.searchParams.set('after', after);
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetch(url.toString(), { signal, headers: { Accept: 'application/json' } });
    } catch (error) {
      throw new SnapshotError(`cannot reach the API: ${(error as Error).message}`, true);
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      throw new SnapshotError(
        `GET ${url.pathname} answered ${response.status}${detail ? `: ${detail}` : ''}`,
        response.status >= 500 || response.status === 429,
      );
    }
    const page = await response.json();
    if (!isPage(page)) throw new SnapshotError('GET /api/product/ answered without items and position', false);
    position ??= page.position;
    products.push(...page.items);
    if (products.length > maxProducts) throw new SnapshotError(`the catalogue has more than ${maxProducts} products`, false);
    after = page.next;
  } while (after !== null);
  return { products, position };
}
