import type { Product } from '../contract/product.js';

// Writes products through the API the way a careful client does under faults: each product has its
// own Idempotency-Key, and a failed attempt (network error, 5xx, 429) is retried with the same key,
// so a write the API committed but could not acknowledge is not made twice.

/** What to write and how. */
export interface WriteOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:8000 */
  apiUrl: string;
  count: number;
  concurrency: number;
  /** Distinguishes this run's products and idempotency keys from any other run's. */
  runId: string;
  /** Attempts per product before the run is declared failed. */
  maxAttempts?: number;
  /** Awaited before each product is started (fault injection hooks in here). */
  beforeWrite?: (index: number) => Promise<void>;
  /** Stops the run: no new product is started, attempts in flight are abandoned. */
  signal?: AbortSignal;
  /** Called after each product is acknowledged, with the number acknowledged so far. */
  onProgress?: (written: number) => void;
}

/** What the writer observed. */
export interface WriteResult {
  /** Acknowledged products, in acknowledgement order. */
  products: Product[];
  /** Attempts that failed and were retried. */
  retries: number;
  /** Products given up on (attempts exhausted or a 4xx that retrying cannot fix). */
  failures: string[];
}

const sizes = ['XS', 'S', 'M', 'L', 'XL'];

/** The body of product number `index` of a run. */
export function productBody(runId: string, index: number): { nombre: string; precio: number; talla: string } {
  return { nombre: `chaos ${runId} #${index}`, precio: (index % 1000) + 0.99, talla: sizes[index % sizes.length] ?? 'M' };
}

/** Writes `count` products with at most `concurrency` requests in flight. */
export async function writeProducts(options: WriteOptions): Promise<WriteResult> {
  const result: WriteResult = { products: [], retries: 0, failures: [] };
  const maxAttempts = options.maxAttempts ?? 40;
  let next = 0;
  const worker = async () => {
    while (next < options.count && !options.signal?.aborted) {
      const index = next++;
      await options.beforeWrite?.(index);
      const body = JSON.stringify(productBody(options.runId, index));
      const key = `${options.runId}-${index}`;
      for (let attempt = 1; ; attempt++) {
        const outcome = await post(options.apiUrl, body, key, options.signal);
        if (outcome.product) {
          result.products.push(outcome.product);
          options.onProgress?.(result.products.length);
          break;
        }
        if (!outcome.retry || attempt >= maxAttempts || options.signal?.aborted) {
          const why = options.signal?.aborted
            ? `stopped at the write deadline after ${attempt} attempts (last: ${outcome.error})`
            : outcome.error;
          result.failures.push(`#${index}: ${why}`);
          break;
        }
        result.retries += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** Math.min(attempt, 6))));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}

async function post(
  apiUrl: string,
  body: string,
  key: string,
  stop?: AbortSignal,
): Promise<{ product?: Product; retry?: boolean; error?: string }> {
  try {
    const response = await fetch(`${apiUrl}/api/product/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body,
      signal: stop ? AbortSignal.any([stop, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status === 200 || response.status === 201) return { product: JSON.parse(text) as Product };
    const retry = response.status >= 500 || response.status === 429 || response.status === 409;
    return { retry, error: `HTTP ${response.status} ${text.slice(0, 200)}` };
  } catch (error) {
    return { retry: true, error: String(error) };
  }
}
