import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ApiTargetInfo, ApiTargetOps } from './api-process.js';
import { API_OPS, API_TARGET_NAMES, type ApiOp, type ApiTargetName } from './api-targets.js';
import { Child, killAllChildren } from './children.js';
import type { ServiceInfo, ServiceOps } from './e2e-process.js';
import { runHttpLoad } from './http-load.js';
import { attributeSamples, compareOwners, jitSymbols, type OwnerRow } from './perf-samples.js';
import { dropDatabases, requestOf } from './scenarios/api.js';

// `npm run bench:attribute`: where the CPU of one api request goes, in the API and in a peer, side by
// side. Both servers run over one MongoDB (MONGO_URL, else the double) and take the same load at the
// same time (so a machine that slows down slows both), while Linux perf samples every thread of both
// processes; each sample is then charged to its owner (bench/perf-samples.ts) and shown as µs of CPU
// per request. This is how issue 16's fifth pass found what the API's extra CPU per POST is made of.
// Needs `perf` (Debian: linux-perf) and permission to sample the processes (root, or
// perf_event_paranoid ≤ 2).

const USAGE = `usage: npm run bench:attribute -- [--op ${API_OPS.join('|')}] [--peer ${API_TARGET_NAMES.filter((name) => name !== 'api').join('|')}] [--seconds N] [--top N]
  --op       the request (default create: POST /api/product/)
  --peer     the server the API is compared with (default hono, the framework's floor)
  --seconds  measured seconds, after a 3 s warm-up of each (default 10)
  --top      owners shown, largest difference first (default 30)
  --keep DIR keep the recordings (DIR/<server>.data) and JIT names (DIR/perf-<pid>.map) for perf report`;

const HZ = 1999;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface AttributeOptions {
  op: ApiOp;
  peer: ApiTargetName;
  seconds: number;
  top: number;
  keep?: string;
}

function parse(argv: string[]): AttributeOptions {
  const options: AttributeOptions = { op: 'create', peer: 'hono', seconds: 10, top: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--op' && (API_OPS as readonly string[]).includes(value)) options.op = value as ApiOp;
    else if (flag === '--peer' && value !== 'api' && (API_TARGET_NAMES as readonly string[]).includes(value))
      options.peer = value as ApiTargetName;
    else if (flag === '--keep') options.keep = value;
    else if ((flag === '--seconds' || flag === '--top') && /^[1-9]\d{0,2}$/.test(value))
      options[flag === '--seconds' ? 'seconds' : 'top'] = Number(value);
    else throw new Error(`bad option ${flag} ${value}`);
  }
  return options;
}

/** perf record on `pid` into `file`; resolves once perf has started writing. */
async function record(pid: number, file: string): Promise<ChildProcess> {
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(HZ), '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => perf.once('exit', (code) => reject(new Error(`perf record exited (${code})`))));
  for (let waited = 0; !existsSync(file) || (await stat(file)).size === 0; waited += 50) {
    if (waited > 10_000) throw new Error('perf record did not start within 10 s');
    await Promise.race([sleep(50), exited]);
  }
  exited.catch(() => undefined);
  return perf;
}

async function stopRecording(perf: ChildProcess): Promise<void> {
  const done = new Promise((resolve) => perf.once('exit', resolve));
  perf.kill('SIGINT');
  await done;
}

/** Where node --perf-basic-prof writes the names of a process's JIT code (a fixed place perf reads). */
const perfMap = (pid: number) => `/tmp/perf-${pid}.map`;

function script(file: string): string {
  const result = spawnSync('perf', ['script', '-i', file, '-F', 'tid,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`perf script failed: ${result.stderr}`);
  return result.stdout;
}

function format(rows: OwnerRow[], names: [string, string], top: number): string[] {
  const total = (side: 'a' | 'b') => rows.reduce((sum, row) => sum + row[side], 0);
  const line = (owner: string, a: number, b: number) =>
    `${(a - b).toFixed(1).padStart(7)}  ${a.toFixed(1).padStart(7)}  ${b.toFixed(1).padStart(7)}  ${owner}`;
  const shown = rows.filter((row) => row.a + row.b >= 0.2);
  return [
    `µs of CPU per request (perf samples at ${HZ} Hz, every thread)`,
    `${'diff'.padStart(7)}  ${names[0].padStart(7)}  ${names[1].padStart(7)}  owner`,
    line('(all)', total('a'), total('b')),
    ...shown.slice(0, top).map((row) => line(row.owner, row.a, row.b)),
    ...(shown.length > top ? ['    …', ...shown.slice(Math.max(top, shown.length - 5)).map((row) => line(row.owner, row.a, row.b))] : []),
  ];
}

async function main(options: AttributeOptions): Promise<void> {
  if (spawnSync('perf', ['--version']).error) throw new Error('needs Linux perf on the PATH (Debian: apt-get install linux-perf)');
  const dir = options.keep ?? (await mkdtemp(path.join(tmpdir(), 'bench-attribute-')));
  await mkdir(dir, { recursive: true });
  const names = ['api', options.peer] as const;
  // MongoDB as in the api scenario: MONGO_URL when set, else the double in a process of its own.
  const mongoUrlGiven = process.env.MONGO_URL ?? '';
  const mongo = mongoUrlGiven
    ? undefined
    : await Child.start<ServiceOps, ServiceInfo>('./e2e-process.ts', ['mongo', '', ''], { name: 'mongo' });
  const mongoUrl = mongoUrlGiven || mongo!.info.url;
  const databases = names.map((name) => `bench_attribute_${process.pid}_${name}`);
  const targets = [];
  for (const [i, name] of names.entries()) {
    const started = await Child.start<ApiTargetOps, ApiTargetInfo>('./api-process.ts', [name, mongoUrl, databases[i]!], {
      name,
      // JIT code gets names perf can resolve (/tmp/perf-<pid>.map), interpreted frames included.
      nodeFlags: ['--perf-basic-prof', '--interpreted-frames-native-stack'],
    });
    targets.push({ name, ...started });
  }
  try {
    for (const { info } of targets) await runHttpLoad(info.url, requestOf(options.op, info.productId), { connections: 50, seconds: 3 });
    const perfs = await Promise.all(targets.map(({ name, info }) => record(info.pid, path.join(dir, `${name}.data`))));
    const loads = await Promise.all(
      targets.map(({ info }) =>
        runHttpLoad(info.url, requestOf(options.op, info.productId), { connections: 25, seconds: options.seconds }),
      ),
    );
    await Promise.all(perfs.map(stopRecording));
    const failed = loads.find((load) => load.non2xx > 0 || load.errors > 0);
    if (failed) throw new Error(`a server answered ${failed.non2xx} non-2xx and had ${failed.errors} errors`);
    const [a, b] = await Promise.all(
      targets.map(async ({ name, info }, i) => ({
        owners: attributeSamples(script(path.join(dir, `${name}.data`)), {
          mainTid: info.pid,
          repoRoot,
          jit: jitSymbols(await readFile(perfMap(info.pid), 'utf8')),
        }),
        requests: loads[i]!.requests,
      })),
    );
    console.log(`${options.op} · ${options.seconds} s · ${names[0]} ${loads[0]!.requests} requests, ${names[1]} ${loads[1]!.requests}`);
    console.log(format(compareOwners(a!, b!, HZ), [names[0], names[1]], options.top).join('\n'));
  } finally {
    for (const { child } of targets) {
      child.notify('exit', null);
      await child.kill(5_000);
    }
    await mongo?.child.kill();
    if (mongoUrlGiven) await dropDatabases(mongoUrlGiven, databases);
    if (options.keep)
      await Promise.all(
        targets.map(({ info }) => copyFile(perfMap(info.pid), path.join(dir, `perf-${info.pid}.map`)).catch(() => undefined)),
      );
    else await rm(dir, { recursive: true, force: true });
    await Promise.all(targets.map(({ info }) => rm(perfMap(info.pid), { force: true })));
  }
}

let options: AttributeOptions;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
main(options).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    killAllChildren();
    process.exit(1);
  },
);
