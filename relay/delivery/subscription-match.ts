import type { ProductFilterField } from '../../contract/product.js';
import type { EventMessage, Subscription } from '../../contract/protocol.js';

// Which events a subscription receives. `where` is matched against the product after the change, with
// one rule on top so that a client never keeps a product it should have dropped: MongoDB gives the
// relay no pre-images, so the relay cannot know whether a changed or deleted product used to match.
//   insert   delivered when the new product matches `where`.
//   update   delivered when the product after the change matches, OR the update set or removed a field
//            named in `where` (the product may have just left the filter: the client sees it no
//            longer matches and drops it).
//   replace  delivered when the product after the change matches, or when the subscription has
//            conditions at all (a replace rewrites every field, so it may have left the filter).
//   delete   delivered to every subscription that asks for deletes, whatever its conditions; a client
//            ignores ids it does not hold.
// An update whose product is gone (deleted before MongoDB looked it up) is delivered like a delete.

/** A canonical text for a subscription: equal subscriptions give equal keys, whatever their order. */
export function subscriptionKey(subscription: Subscription): string {
  const ops = [...subscription.ops].sort().join(',');
  const where = Object.entries(subscription.where)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([field, value]) => `${field}=${typeof value}:${String(value)}`)
    .join('&');
  return `${ops}?${where}`;
}

/** Whether `event` goes to a client with `subscription` (see the rules above). */
export function matches(subscription: Subscription, event: EventMessage): boolean {
  if (!subscription.ops.includes(event.op)) return false;
  const conditions = Object.entries(subscription.where) as [ProductFilterField, string | number | undefined][];
  if (conditions.length === 0) return true;
  const product = event.product;
  if (event.op === 'delete' || product === null) return true;
  const productMatches = conditions.every(([field, value]) => value === undefined || product[field] === value);
  if (productMatches) return true;
  if (event.op === 'replace') return true;
  if (event.op === 'update' && event.changes) {
    const touched = new Set([...Object.keys(event.changes.updated), ...event.changes.removed].map((path) => path.split('.')[0]));
    return conditions.some(([field]) => touched.has(field === 'id' ? '_id' : field));
  }
  return false;
}
