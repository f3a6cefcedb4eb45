import { WebSocket } from 'ws';
import { createLiveCollection, type LiveCollection, type LiveCollectionOptions } from '../../client/index.js';
import type { Product } from '../../contract/product.js';
import { productFromDocument } from '../../contract/product-document.js';
import type { TestDatabase } from '../e2e/system.js';

// What the live-collection tests share: creating collections in Node (ws as the WebSocket), the
// database's products in the API's shape, and the comparison a user would make.

const created: LiveCollection[] = [];

/** A live collection over `ws`, stopped by stopLiveCollections(). */
export function liveCollection(
  options: Pick<LiveCollectionOptions, 'apiUrl' | 'relayUrl'> & Partial<LiveCollectionOptions>,
): LiveCollection {
  const live = createLiveCollection({ WebSocket, retryBaseMs: 20, retryCapMs: 300, ...options });
  created.push(live);
  return live;
}

export async function stopLiveCollections(): Promise<void> {
  await Promise.all(created.splice(0).map((live) => live.stop()));
}

/** The products MongoDB holds, by id, as the API would return them. */
export async function databaseProducts(database: TestDatabase): Promise<Map<string, Product>> {
  const documents = await database.db.collection('products').find({}).toArray();
  return new Map(
    documents.map((doc) => {
      const product = productFromDocument(doc);
      return [product.id, product];
    }),
  );
}

/** The collection's products sorted by id, for a readable diff. */
export function sorted(products: ReadonlyMap<string, Product>): Product[] {
  return [...products.values()].sort((a, b) => a.id.localeCompare(b.id));
}
