// The awaitable hello (MongoDB 4.4+): a hello carrying the client's last `topologyVersion` and a
// `maxAwaitTimeMS` is answered once the topology has changed since that version, or when the time
// is up. Drivers build their streaming monitor on it, and only a server that answers it gets one:
// that monitor notices a closed connection at once and is reset when an operation hits one.
import { Long, ObjectId, type Document } from 'bson';
import { CommandError } from '../errors.js';
import type { TopologyVersion } from '../state.js';

/** What an awaitable hello asks: wait for a topology newer than `known`, up to `maxAwaitTimeMs`. */
export interface AwaitableHello {
  known: TopologyVersion;
  maxAwaitTimeMs: number;
}

/** Longest wait a timer can hold; a larger maxAwaitTimeMS waits this long. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Reads topologyVersion and maxAwaitTimeMS, both or neither, checked as mongod checks them; null for a plain hello. */
export function parseAwaitableHello(command: Document): AwaitableHello | null {
  const { topologyVersion, maxAwaitTimeMS } = command;
  if (topologyVersion === undefined && maxAwaitTimeMS === undefined) return null;
  if (topologyVersion === undefined)
    throw new CommandError('Location31368', "A request with 'maxAwaitTimeMS' must include a 'topologyVersion'");
  if (maxAwaitTimeMS === undefined)
    throw new CommandError('Location31368', "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'");
  const known = parseTopologyVersion(topologyVersion);
  const maxAwaitTimeMs = integer(maxAwaitTimeMS, 'maxAwaitTimeMS');
  if (maxAwaitTimeMs < 0) throw new CommandError('Location31373', 'maxAwaitTimeMS must be a non-negative integer');
  return { known, maxAwaitTimeMs };
}

function parseTopologyVersion(value: unknown): TopologyVersion {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CommandError('TypeMismatch', "BSON field 'topologyVersion' is the wrong type, expected type 'object'");
  const fields = value as Document;
  for (const name of Object.keys(fields)) {
    if (name !== 'processId' && name !== 'counter')
      throw new CommandError('IDLUnknownField', `BSON field 'TopologyVersion.${name}' is an unknown field.`);
  }
  for (const name of ['processId', 'counter']) {
    if (fields[name] === undefined)
      throw new CommandError('IDLFailedToParse', `BSON field 'TopologyVersion.${name}' is missing but a required field`);
  }
  if (!(fields.processId instanceof ObjectId))
    throw new CommandError('TypeMismatch', "BSON field 'TopologyVersion.processId' is the wrong type, expected type 'objectId'");
  const counter = integer(fields.counter, 'TopologyVersion.counter');
  if (counter < 0) throw new CommandError('Location31372', 'topologyVersion must have a non-negative counter');
  return { processId: fields.processId, counter };
}

function integer(value: unknown, field: string): number {
  const number = Long.isLong(value) ? value.toNumber() : value;
  if (typeof number !== 'number' || !Number.isInteger(number))
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type, expected an integer`);
  return number;
}

/**
 * Resolves when the reply may be sent: at once if the client knows another process or an older
 * topology, else after maxAwaitTimeMS (the double's topology never changes) or when the
 * connection closes. A client claiming a newer topology of this very process is answered with
 * an error, as mongod answers it.
 */
export async function awaitTopologyChange(request: AwaitableHello | null, current: TopologyVersion, signal: AbortSignal): Promise<void> {
  if (!request || !request.known.processId.equals(current.processId) || request.known.counter < current.counter) return;
  if (request.known.counter > current.counter) {
    throw new CommandError(
      'Location31382',
      `Received a topology version with the same process ID and a higher counter than the current topology version: ${request.known.counter} > ${current.counter}`,
    );
  }
  if (signal.aborted || request.maxAwaitTimeMs === 0) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(request.maxAwaitTimeMs, MAX_TIMER_MS));
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The topologyVersion as hello reports it: the counter is an int64 on the wire. */
export function topologyVersionReply(version: TopologyVersion): Document {
  return { processId: version.processId, counter: Long.fromNumber(version.counter) };
}

/** The command a streamed hello runs next: the same, knowing the topologyVersion it just reported. */
export function nextStreamedHello(command: Document, reply: Document): Document {
  return { ...command, topologyVersion: reply.topologyVersion };
}
