// The client library's public surface: a relay client that keeps its position (reconnect, resume,
// reset) and a live collection (snapshot + subscribe, no gap, no duplicate). Works in browsers and
// in Node (pass `ws` as the WebSocket option on Node 20). No runtime dependencies.

export { createRelayClient, RelayClient } from './relay-client.js';
export type { ClientEnd, ConnectionState, RelayClientEvents, RelayClientOptions, ResetNotice, TokenSource } from './relay-client.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { createLiveCollection, LiveCollection } from './live-collection.js';
export type { LiveChange, LiveCollectionEvents, LiveCollectionOptions, LiveObserver, LiveStatus } from './live-collection.js';
export { loadSnapshot, SnapshotError } from './snapshot.js';
export type { FetchLike, Snapshot } from './snapshot.js';
