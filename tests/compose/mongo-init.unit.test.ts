import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

// mongo-init/init-replica-set.js runs in mongosh inside compose, which cannot run here. These tests run
// its control flow against a scripted stand-in of the few mongosh globals it uses (db, Mongo, print,
// sleep), shaped like mongosh's answers: what it initiates, adds and indexes, and that a second run
// changes nothing. They do not prove mongosh accepts it; they prove the script does what it says.

const root = resolve(import.meta.dirname, '../..');
const scriptPath = resolve(root, 'mongo-init/init-replica-set.js');
const script = readFileSync(scriptPath, 'utf8');
const indexes = JSON.parse(readFileSync(resolve(root, 'mongo-init/indexes.json'), 'utf8')) as Record<string, unknown[]>;

interface Member {
  _id: number;
  host: string;
  priority?: number;
}
interface ReplicaSetConfig {
  _id: string;
  version: number;
  members: Member[];
}

/** A scripted mongod: not initiated until replSetInitiate, primary after `electionPolls` hello calls. */
function fakeMongod(options: { config?: ReplicaSetConfig; electionPolls?: number; primaryEver?: boolean; root?: [string, string] } = {}) {
  const state = {
    config: options.config ? structuredClone(options.config) : (null as ReplicaSetConfig | null),
    pollsLeft: options.electionPolls ?? 2,
    commands: [] as Array<Record<string, unknown>>,
    createdIndexes: [] as Array<{ db: string; collection: string; indexes: unknown }>,
    users: new Map<string, { pwd: string; roles: unknown }>(),
    /** Credentials each auth() call used. */
    logins: [] as Array<[string, string]>,
    /** The root user the mongo image created, when the test gives one (then every command needs a login). */
    root: options.root,
  };
  const serverError = (code: number, codeName: string) => Object.assign(new Error(codeName), { code, codeName });
  let loggedIn = false;
  const needLogin = () => {
    if (state.root && !loggedIn) throw serverError(13, 'Unauthorized');
  };
  const database = (name: string) => ({
    auth(user: string, pwd: string) {
      state.logins.push([user, pwd]);
      if (!state.root || user !== state.root[0] || pwd !== state.root[1]) throw serverError(18, 'AuthenticationFailed');
      loggedIn = true;
      return { ok: 1 };
    },
    adminCommand(command: Record<string, unknown>) {
      needLogin();
      state.commands.push(command);
      if ('replSetGetConfig' in command) {
        if (!state.config) throw serverError(94, 'NotYetInitialized');
        return { ok: 1, config: structuredClone(state.config) };
      }
      if ('replSetInitiate' in command) {
        if (state.config) throw serverError(23, 'AlreadyInitialized');
        state.config = { ...(command.replSetInitiate as Omit<ReplicaSetConfig, 'version'>), version: 1 };
        return { ok: 1 };
      }
      if ('replSetReconfig' in command) {
        const next = command.replSetReconfig as ReplicaSetConfig;
        if (!state.config || next.version !== state.config.version + 1) throw serverError(103, 'NewReplicaSetConfigurationIncompatible');
        state.config = structuredClone(next);
        return { ok: 1 };
      }
      throw serverError(59, 'CommandNotFound');
    },
    hello() {
      const elected = state.config !== null && options.primaryEver !== false && state.pollsLeft-- <= 0;
      return elected ? { isWritablePrimary: true, primary: 'mongo:27017', me: 'mongo:27017' } : { isWritablePrimary: false };
    },
    runCommand(command: Record<string, unknown>) {
      needLogin();
      if ('usersInfo' in command) return { ok: 1, users: state.users.has(String(command.usersInfo)) ? [{ user: command.usersInfo }] : [] };
      if ('createUser' in command || 'updateUser' in command) {
        const user = String(command.createUser ?? command.updateUser);
        if ('createUser' in command && state.users.has(user)) return { ok: 0, errmsg: `User "${user}@admin" already exists`, code: 51003 };
        if ('updateUser' in command && !state.users.has(user)) return { ok: 0, errmsg: `User ${user}@admin not found`, code: 11 };
        state.users.set(user, { pwd: String(command.pwd), roles: command.roles });
        return { ok: 1 };
      }
      state.createdIndexes.push({ db: name, collection: String(command.createIndexes), indexes: command.indexes });
      return { ok: 1 };
    },
    getMongo: () => connection,
  });
  const connection = { getDB: (name: string) => database(name) };
  return { state, db: database('test'), connection };
}

function runScript(mongod: ReturnType<typeof fakeMongod>, env: Record<string, string>) {
  const printed: string[] = [];
  runInNewContext(script, {
    require: createRequire(scriptPath),
    __dirname: resolve(root, 'mongo-init'),
    process: { env },
    print: (text: string) => printed.push(text),
    sleep: () => undefined,
    db: mongod.db,
    Mongo: function Mongo() {
      return mongod.connection;
    },
  });
  return printed;
}

const threeMembers = 'mongo:27017,mongo2:27017,mongo3:27017';

describe('mongo-init/init-replica-set.js', () => {
  it('initiates a fresh mongod as rs0, waits for the primary, and creates the API indexes with w:majority', () => {
    const mongod = fakeMongod();
    const printed = runScript(mongod, { MONGO_MEMBERS: 'mongo:27017', MONGO_DB: 'shop' });
    expect(mongod.state.config).toEqual({ _id: 'rs0', version: 1, members: [{ _id: 0, host: 'mongo:27017', priority: 2 }] });
    expect(mongod.state.createdIndexes).toEqual(
      Object.entries(indexes).map(([collection, specs]) => ({ db: 'shop', collection, indexes: specs })),
    );
    expect(printed.at(-1)).toBe('[mongo-init] done');
  });

  it('changes nothing about the set when run again', () => {
    const mongod = fakeMongod();
    runScript(mongod, { MONGO_MEMBERS: 'mongo:27017' });
    const before = structuredClone(mongod.state.config);
    const printed = runScript(mongod, { MONGO_MEMBERS: 'mongo:27017' });
    expect(mongod.state.config).toEqual(before);
    expect(mongod.state.commands.filter((command) => 'replSetInitiate' in command)).toHaveLength(1);
    expect(printed.join('\n')).toContain('already initiated');
  });

  it('adds the members a one-member set lacks, one reconfig each, keeping ids unique', () => {
    const mongod = fakeMongod({ config: { _id: 'rs0', version: 1, members: [{ _id: 0, host: 'mongo:27017', priority: 2 }] } });
    runScript(mongod, { MONGO_MEMBERS: threeMembers });
    expect(mongod.state.config?.version).toBe(3);
    expect(mongod.state.config?.members.map((member) => [member._id, member.host])).toEqual([
      [0, 'mongo:27017'],
      [1, 'mongo2:27017'],
      [2, 'mongo3:27017'],
    ]);
  });

  it('initiates a fresh three-member set in one go', () => {
    const mongod = fakeMongod();
    runScript(mongod, { MONGO_MEMBERS: threeMembers });
    expect(mongod.state.config?.members.map((member) => member.host)).toEqual(threeMembers.split(','));
    expect(mongod.state.commands.filter((command) => 'replSetReconfig' in command)).toHaveLength(0);
  });

  it('logs in as root and creates the app user with readWrite on the app database only; a re-run sets its password again', () => {
    const mongod = fakeMongod({ root: ['root', 'root-secret'] });
    const env = {
      MONGO_DB: 'shop',
      MONGO_ROOT_USER: 'root',
      MONGO_ROOT_PASSWORD: 'root-secret',
      MONGO_APP_USER: 'app',
      MONGO_APP_PASSWORD: 'first',
    };
    const printed = runScript(mongod, env);
    expect(mongod.state.logins[0]).toEqual(['root', 'root-secret']);
    expect(mongod.state.users.get('app')).toEqual({ pwd: 'first', roles: [{ role: 'readWrite', db: 'shop' }] });
    expect(printed).toContain('[mongo-init] created user app (readWrite on shop)');
    expect(mongod.state.createdIndexes.length).toBeGreaterThan(0);

    runScript(mongod, { ...env, MONGO_APP_PASSWORD: 'rotated' });
    expect(mongod.state.users.get('app')).toEqual({ pwd: 'rotated', roles: [{ role: 'readWrite', db: 'shop' }] });
  });

  it('fails with a wrong root password, before touching the set', () => {
    const mongod = fakeMongod({ root: ['root', 'root-secret'] });
    expect(() => runScript(mongod, { MONGO_ROOT_USER: 'root', MONGO_ROOT_PASSWORD: 'wrong' })).toThrow(/AuthenticationFailed/);
    expect(mongod.state.config).toBeNull();
  });

  it('refuses a mongod that belongs to another replica set', () => {
    const mongod = fakeMongod({ config: { _id: 'other', version: 1, members: [{ _id: 0, host: 'mongo:27017' }] } });
    expect(() => runScript(mongod, {})).toThrow(/belongs to replica set other, not rs0/);
  });

  it('fails (so compose holds the apps back) when no primary appears in time', () => {
    const mongod = fakeMongod({ primaryEver: false });
    expect(() => runScript(mongod, { MONGO_INIT_TIMEOUT_MS: '30' })).toThrow(/waiting for a primary: gave up after 30 ms/);
    expect(mongod.state.createdIndexes).toEqual([]);
  });
});
