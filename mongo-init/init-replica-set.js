// Brings the compose replica set up, safely re-runnable (mongosh script; `mongosh --host mongo:27017
// --file init-replica-set.js`):
//   1. initiate the set with MONGO_MEMBERS if it was never initiated; add any listed member that is
//      missing from an existing set (members are never removed: that is an operator's decision);
//   2. wait until a primary is elected;
//   3. create the API's indexes (indexes.json, kept equal to api/indexes.ts by a test) with w:majority;
//   4. create the user the services connect as (MONGO_APP_USER, readWrite on MONGO_DB only), or set its
//      password and roles again when it exists, so a password changed in .env takes effect.
// It authenticates as the root user (MONGO_ROOT_USER/MONGO_ROOT_PASSWORD) that the mongo image
// created on the first start.
// Exits non-zero when any step fails, so `depends_on: service_completed_successfully` holds the apps.

const fs = require('fs');
const path = require('path');

const replicaSet = process.env.MONGO_REPLICA_SET || 'rs0';
const members = (process.env.MONGO_MEMBERS || 'mongo:27017')
  .split(',')
  .map((host) => host.trim())
  .filter(Boolean);
const dbName = process.env.MONGO_DB || 'shop';
const timeoutMs = Number(process.env.MONGO_INIT_TIMEOUT_MS || 120000);
const rootUser = process.env.MONGO_ROOT_USER || '';
const rootPassword = process.env.MONGO_ROOT_PASSWORD || '';
const appUser = process.env.MONGO_APP_USER || '';
const appPassword = process.env.MONGO_APP_PASSWORD || '';
const here = typeof __dirname === 'string' ? __dirname : '/mongo-init';
const indexes = JSON.parse(fs.readFileSync(path.join(here, 'indexes.json'), 'utf8'));
const deadline = Date.now() + timeoutMs;

function log(message) {
  print(`[mongo-init] ${message}`);
}

/** Runs `attempt` until it returns a value other than undefined, or the time is up. */
function retry(what, attempt) {
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const value = attempt();
      if (value !== undefined) return value;
    } catch (error) {
      // An index that exists with other options will not fix itself: say so now, not after the timeout.
      if (error.code === 85 || error.code === 86) throw error;
      last = error.codeName || error.message;
    }
    sleep(1000);
  }
  throw new Error(`${what}: gave up after ${timeoutMs} ms (last: ${last})`);
}

function currentConfig() {
  try {
    return db.adminCommand({ replSetGetConfig: 1 }).config;
  } catch (error) {
    // 94 NotYetInitialized: a fresh mongod started with --replSet.
    if (error.code === 94 || error.codeName === 'NotYetInitialized') return null;
    throw error;
  }
}

/** Logs `connection` in as root (a no-op when no root user is configured: MongoDB without auth). */
function authenticate(connection) {
  if (rootUser) connection.getDB('admin').auth(rootUser, rootPassword);
  return connection;
}

/** A connection to the primary (elections can move it off the member this script dialled). */
function primary() {
  return retry('waiting for a primary', () => {
    const hello = db.hello();
    if (hello.isWritablePrimary) return db.getMongo();
    if (hello.primary) return authenticate(new Mongo(hello.primary));
    return undefined;
  });
}

authenticate(db.getMongo());

const config = currentConfig();
if (!config) {
  log(`initiating replica set ${replicaSet} with ${members.join(', ')}`);
  // The first member gets a higher priority so it is the primary whenever it is up.
  db.adminCommand({
    replSetInitiate: {
      _id: replicaSet,
      members: members.map((host, index) => ({ _id: index, host, priority: index === 0 ? 2 : 1 })),
    },
  });
} else {
  if (config._id !== replicaSet) throw new Error(`this mongod belongs to replica set ${config._id}, not ${replicaSet}`);
  log(`replica set ${replicaSet} already initiated (${config.members.map((member) => member.host).join(', ')})`);
}

let connection = primary();
log(`primary: ${connection.getDB('admin').hello().me}`);

for (const host of members) {
  const known = retry('reading the replica set config', () => connection.getDB('admin').adminCommand({ replSetGetConfig: 1 }).config);
  if (known.members.some((member) => member.host === host)) continue;
  // One voting member per reconfig, each committed before the next: what rs.add does, with retries
  // for "a previous reconfig is still in progress".
  retry(`adding ${host}`, () => {
    connection = primary();
    const fresh = connection.getDB('admin').adminCommand({ replSetGetConfig: 1 }).config;
    if (fresh.members.some((member) => member.host === host)) return true;
    const _id = Math.max(...fresh.members.map((member) => member._id)) + 1;
    fresh.members.push({ _id, host, priority: 1 });
    fresh.version += 1;
    connection.getDB('admin').adminCommand({ replSetReconfig: fresh });
    log(`added ${host}`);
    return true;
  });
}

connection = primary();
const target = connection.getDB(dbName);
for (const [collection, specs] of Object.entries(indexes)) {
  retry(`creating indexes on ${dbName}.${collection}`, () => {
    const result = target.runCommand({ createIndexes: collection, indexes: specs, writeConcern: { w: 'majority' } });
    if (result.ok !== 1) throw new Error(result.errmsg || JSON.stringify(result));
    return result;
  });
  log(`indexes on ${dbName}.${collection}: ${specs.map((spec) => spec.name).join(', ')}`);
}
if (appUser) {
  if (!appPassword) throw new Error('MONGO_APP_USER is set but MONGO_APP_PASSWORD is empty');
  const roles = [{ role: 'readWrite', db: dbName }];
  retry(`creating the user ${appUser}`, () => {
    const admin = primary().getDB('admin');
    const exists = admin.runCommand({ usersInfo: appUser }).users.length > 0;
    const command = exists ? { updateUser: appUser, pwd: appPassword, roles } : { createUser: appUser, pwd: appPassword, roles };
    const result = admin.runCommand({ ...command, writeConcern: { w: 'majority' } });
    if (result.ok !== 1) throw new Error(result.errmsg || JSON.stringify(result));
    log(`${exists ? 'updated' : 'created'} user ${appUser} (readWrite on ${dbName})`);
    return result;
  });
}
log('done');
