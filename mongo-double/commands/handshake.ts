// Handshake and server-information commands: what the driver's monitor and connection pool ask.
import { Long, type Document } from 'bson';
import { MAX_BSON_BYTES, MAX_MESSAGE_BYTES } from '../wire.js';
import { toTimestamp } from '../op-time.js';
import type { CommandContext, CommandHandler } from '../state.js';
import { awaitTopologyChange, parseAwaitableHello, topologyVersionReply } from './awaitable-hello.js';

/** Wire version 21 is MongoDB 7.0: the server version the double imitates. */
export const MAX_WIRE_VERSION = 21;
const VERSION = '7.0.0';

/** The reply to hello/isMaster: the one primary of a one-member replica set; an awaitable hello waits first. */
async function hello(command: Document, { state, connection }: CommandContext, legacyName: boolean): Promise<Document> {
  await awaitTopologyChange(parseAwaitableHello(command), state.topology.topologyVersion, connection.signal);
  const client = command.client as Document | undefined;
  const application = client?.application as Document | undefined;
  if (typeof application?.name === 'string') connection.appName = application.name;
  const { topology, store } = state;
  const opTime = { ts: toTimestamp(store.oplog.head), t: Long.fromNumber(1) };
  const lastWriteDate = new Date(store.oplog.head.t * 1000);
  return {
    ...(command.helloOk === true ? { helloOk: true } : {}),
    ...(legacyName ? { ismaster: true } : { isWritablePrimary: true }),
    topologyVersion: topologyVersionReply(topology.topologyVersion),
    hosts: [topology.me],
    setName: topology.replSetName,
    setVersion: topology.setVersion,
    secondary: false,
    primary: topology.me,
    me: topology.me,
    electionId: topology.electionId,
    lastWrite: { opTime, lastWriteDate, majorityOpTime: opTime, majorityWriteDate: lastWriteDate },
    maxBsonObjectSize: MAX_BSON_BYTES,
    maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

/** Handshake and information commands by name. */
export const handshakeCommands: Record<string, CommandHandler> = {
  hello: (command, context) => hello(command, context, false),
  isMaster: (command, context) => hello(command, context, true),
  ismaster: (command, context) => hello(command, context, true),
  ping: () => ({ ok: 1 }),
  buildInfo: buildInfo,
  buildinfo: buildInfo,
  endSessions: () => ({ ok: 1 }),
  killSessions: () => ({ ok: 1 }),
  getParameter: () => ({ featureCompatibilityVersion: { version: '7.0' }, ok: 1 }),
  serverStatus: (_command, { state }) => ({
    host: state.topology.me,
    version: VERSION,
    process: 'mongo-double',
    uptime: process.uptime(),
    localTime: new Date(),
    repl: { setName: state.topology.replSetName, isWritablePrimary: true, primary: state.topology.me, hosts: [state.topology.me] },
    ok: 1,
  }),
  replSetGetStatus: (_command, { state }) => ({
    set: state.topology.replSetName,
    date: new Date(),
    myState: 1,
    members: [
      {
        _id: 0,
        name: state.topology.me,
        health: 1,
        state: 1,
        stateStr: 'PRIMARY',
        self: true,
        optime: { ts: toTimestamp(state.store.oplog.head), t: Long.fromNumber(1) },
      },
    ],
    ok: 1,
  }),
};

function buildInfo(): Document {
  return {
    version: VERSION,
    gitVersion: 'mongo-double',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    maxBsonObjectSize: MAX_BSON_BYTES,
    // Says what it is to anyone who looks: a test double, never a production database.
    modules: ['mongo-double: in-memory test double, not a production database'],
    ok: 1,
  };
}
