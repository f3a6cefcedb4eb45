import { parseArgs } from 'node:util';

// Command line of `npm run chaos`. Every quantity is bounded so a run always ends by itself.

/** What one chaos run does. */
export interface ChaosOptions {
  products: number;
  relayKills: number;
  drops: number;
  mongoRestarts: number;
  /** MongoDB stalls (process stopped, sockets open) of `stallSeconds` each. */
  mongoStalls: number;
  stallSeconds: number;
  /** Losses of every index of the run's collections. */
  indexLosses: number;
  /** > 0: the services start first, MongoDB this many seconds later. */
  lateMongoSeconds: number;
  consumers: number;
  /** Live collections (client library) that must end equal to MongoDB's products. */
  liveCollections: number;
  concurrency: number;
  /** Hard limit on the whole run; past it the run fails and everything is killed. */
  seconds: number;
  verbose: boolean;
  /** Drops of every connection at once (the double's hook) or mid-command (failCommand closeConnection). */
  dropMode: 'all' | 'commands';
  /** Where to write the services' full logs (none when undefined). */
  logDir?: string;
}

export const usage = `usage: npm run chaos -- [options]

Writes products through the API while killing the relay (SIGKILL, restart on the same port) and
dropping MongoDB's connections, with consumers resuming from their positions (all through the client
library); then checks every consumer saw every product exactly once, in commit order, and every
live collection ends equal to MongoDB's products. Loopback only; exits non-zero on any loss.

  --products N        products to write (default 2000, max 100000)
  --relay-kills N     relay SIGKILL + restarts (default 3)
  --drops N           MongoDB connection drops (default 3)
  --drop-mode MODE    all: the double drops every connection at once (default);
                      commands: failCommand closeConnection on the next commands (always with MONGO_URL)
  --mongo-restarts N  MongoDB stop + restart on the same port (default 0; in-process double only)
  --mongo-stalls N    MongoDB stalls: stopped, sockets open, nothing answered (default 0; double only)
  --stall-seconds S   how long each stall lasts (default 20, max 120)
  --index-losses N    drops of every index of the run's collections (default 0)
  --late-mongo S      start the api and the relay first, MongoDB S seconds later (default 0: MongoDB
                      first; max 300; double only), then write as usual
  --consumers N       resuming WebSocket consumers (default 20, max 1000)
  --live N            live collections (snapshot + subscribe) that must end equal to MongoDB (default 2, max 100)
  --concurrency N     POST requests in flight (default 8, max 64)
  --seconds N         hard time limit for the whole run (default 300, max 3600)
  --verbose           services log at info level instead of warn
  --log-dir DIR       write each service's full output to DIR/chaos-<run>-<service>.log
  --help`;

function bounded(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${text}`);
  return value;
}

/** Parses argv; throws with a readable message on a bad option. Returns null for --help. */
export function parseChaosOptions(argv: string[]): ChaosOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      products: { type: 'string' },
      'relay-kills': { type: 'string' },
      drops: { type: 'string' },
      'mongo-restarts': { type: 'string' },
      'mongo-stalls': { type: 'string' },
      'stall-seconds': { type: 'string' },
      'index-losses': { type: 'string' },
      'late-mongo': { type: 'string' },
      consumers: { type: 'string' },
      live: { type: 'string' },
      concurrency: { type: 'string' },
      seconds: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'log-dir': { type: 'string' },
      'drop-mode': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  return {
    products: bounded('products', values.products, 2000, 1, 100_000),
    relayKills: bounded('relay-kills', values['relay-kills'], 3, 0, 50),
    drops: bounded('drops', values.drops, 3, 0, 50),
    mongoRestarts: bounded('mongo-restarts', values['mongo-restarts'], 0, 0, 20),
    mongoStalls: bounded('mongo-stalls', values['mongo-stalls'], 0, 0, 10),
    stallSeconds: bounded('stall-seconds', values['stall-seconds'], 20, 1, 120),
    indexLosses: bounded('index-losses', values['index-losses'], 0, 0, 20),
    lateMongoSeconds: bounded('late-mongo', values['late-mongo'], 0, 0, 300),
    consumers: bounded('consumers', values.consumers, 20, 1, 1000),
    liveCollections: bounded('live', values.live, 2, 0, 100),
    concurrency: bounded('concurrency', values.concurrency, 8, 1, 64),
    seconds: bounded('seconds', values.seconds, 300, 10, 3600),
    verbose: values.verbose ?? false,
    logDir: values['log-dir'],
    dropMode: dropMode(values['drop-mode']),
  };
}

function dropMode(text: string | undefined): 'all' | 'commands' {
  if (text === undefined || text === 'all' || text === 'commands') return text ?? 'all';
  throw new Error(`--drop-mode must be all or commands, got ${text}`);
}
