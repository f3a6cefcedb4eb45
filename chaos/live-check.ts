import type { Collection } from 'mongodb';
import { WebSocket } from 'ws';
import { createLiveCollection, type LiveCollection } from '../client/index.js';
import type { Product } from '../contract/product.js';
import { productFromDocument } from '../contract/product-document.js';

// Live collections (client/) in the chaos run: each loads the catalogue and follows it through
// every fault; at the end its Map must equal MongoDB's products, field for field.

/** How one live collection ended. */
export interface LiveVerdict {
  products: number;
  missing: number;
  extra: number;
  differing: number;
  resets: number;
}

/** Starts `count` live collections and waits until each is live. */
export async function startLiveCollections(
  count: number,
  apiUrl: string,
  relayUrl: string,
): Promise<{ collections: LiveCollection[]; resets: number[] }> {
  const resets = Array.from({ length: count }, () => 0);
  const collections = Array.from({ length: count }, (_, i) => {
    const live = createLiveCollection({ apiUrl, relayUrl, WebSocket, retryBaseMs: 20, retryCapMs: 500 });
    live.on('reset', () => (resets[i] = (resets[i] ?? 0) + 1));
    return live;
  });
  await Promise.all(collections.map((live) => live.ready));
  return { collections, resets };
}

function compare(live: ReadonlyMap<string, Product>, expected: ReadonlyMap<string, Product>): Omit<LiveVerdict, 'resets'> {
  let missing = 0;
  let differing = 0;
  for (const [id, product] of expected) {
    const seen = live.get(id);
    if (!seen) missing += 1;
    else if (JSON.stringify(seen) !== JSON.stringify(product)) differing += 1;
  }
  const extra = [...live.keys()].filter((id) => !expected.has(id)).length;
  return { products: live.size, missing, extra, differing };
}

/** Compares each collection with MongoDB, waiting up to `timeoutMs` for stragglers to converge. */
export async function judgeLiveCollections(
  collections: LiveCollection[],
  resets: number[],
  products: Collection,
  timeoutMs: number,
): Promise<LiveVerdict[]> {
  const documents = await products.find({}).toArray();
  const expected = new Map(
    documents.map((doc) => {
      const product = productFromDocument(doc);
      return [product.id, product] as const;
    }),
  );
  const deadline = Date.now() + timeoutMs;
  const clean = (v: Omit<LiveVerdict, 'resets'>) => v.missing === 0 && v.extra === 0 && v.differing === 0;
  while (Date.now() < deadline && !collections.every((live) => clean(compare(live.products, expected)))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return collections.map((live, i) => ({ ...compare(live.products, expected), resets: resets[i] ?? 0 }));
}
