import type { Operation } from '../contract/protocol.js';

// The relay takes the whole subscription in the connection URL (protocol v1): `ops`, one
// `where.<field>` per exact-match condition, and `since` for the position to resume after.

/** What the consumer asks the relay for on every connection. */
export interface SubscriptionRequest {
  /** Operation types; omitted means the relay's default (inserts only). */
  ops?: readonly Operation[];
  /** Exact-match conditions on product fields: field → value as typed. */
  where?: Readonly<Record<string, string>>;
}

/** The URL to dial: the base URL (its own query kept) plus the subscription and the position. */
export function relayUrl(base: string, subscription: SubscriptionRequest, since: string | undefined): string {
  const url = new URL(base);
  if (subscription.ops && subscription.ops.length > 0) url.searchParams.set('ops', subscription.ops.join(','));
  for (const [field, value] of Object.entries(subscription.where ?? {})) {
    url.searchParams.set(`where.${field}`, value);
  }
  if (since === undefined) url.searchParams.delete('since');
  else url.searchParams.set('since', since);
  return url.toString();
}

/** The URL as it may appear in notices: no query (it can carry an access token), no credentials. */
export function displayUrl(base: string): string {
  const url = new URL(base);
  url.search = '';
  url.username = '';
  url.password = '';
  return url.toString();
}
