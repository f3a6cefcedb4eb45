// Public entry of the MongoDB double: an in-process, in-memory stand-in for a one-member replica set
// that the official driver talks to over TCP. Test infrastructure only, never a production database.
export { startMongoDouble, type MongoDouble, type MongoDoubleOptions } from './server.js';
export type { OpTime } from './op-time.js';
