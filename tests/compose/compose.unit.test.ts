import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_INDEXES } from '../../api/indexes.js';
import { apiConfigSchema } from '../../api/config.js';
import { relayConfigSchema } from '../../relay/config.js';
import { stackConfigSchema } from '../../stack/config.js';
import { composeValidator, interpolatedNames, loadCompose, parseCompose, type ComposeService } from './compose-file.js';
import { reachableImports } from './source-imports.js';

// Docker does not run on the machines that build this project, so the compose setup is checked by
// reading it: the compose specification's schema, then what `docker compose up` would rely on.

const root = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');
const composeText = read('docker-compose.yml');
const exampleEnv: Record<string, string> = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1], match[2]]),
);
// What a user writes into .env before the first `docker compose up`.
const secrets = {
  MONGO_KEYFILE: 'a1b2c3d4e5f6',
  MONGO_ROOT_PASSWORD: 'rootsecret',
  MONGO_APP_PASSWORD: 'appsecret',
  GRAFANA_ADMIN_PASSWORD: 'grafanasecret',
};
const compose = loadCompose(resolve(root, 'docker-compose.yml'), { ...exampleEnv, ...secrets });
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

const dependsOn = (svc: ComposeService): Record<string, string> =>
  Array.isArray(svc.depends_on)
    ? Object.fromEntries(svc.depends_on.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(svc.depends_on ?? {}).map(([name, spec]) => [name, spec.condition]));
const environment = (svc: ComposeService): Map<string, string | undefined> =>
  new Map(
    Array.isArray(svc.environment)
      ? svc.environment.map((entry) => {
          const equals = entry.indexOf('=');
          return equals < 0 ? [entry, undefined] : [entry.slice(0, equals), entry.slice(equals + 1)];
        })
      : Object.entries(svc.environment ?? {}).map(([name, value]) => [name, value === null ? undefined : String(value)]),
  );
const command = (svc: ComposeService): string[] => (Array.isArray(svc.command) ? svc.command : (svc.command ?? '').split(/\s+/));
const containerPorts = (svc: ComposeService): string[] => (svc.ports ?? []).map((port) => String(port).split(':').at(-1) ?? '');
const healthcheckText = (svc: ComposeService): string => [svc.healthcheck?.test ?? []].flat().join(' ');

describe('docker-compose.yml', () => {
  it('is valid under the compose specification schema, which does reject a broken file', () => {
    const validate = composeValidator();
    expect(validate(compose)).toEqual([]);
    const broken = parseCompose(composeText.replace('service_completed_successfully', 'service_finished'), { ...exampleEnv, ...secrets });
    expect(validate(broken).join('\n')).toMatch(/condition must be equal to one of the allowed values/);
  });

  it('refuses to start until .env sets the MongoDB secrets and the Grafana password, naming the variable', () => {
    expect(() => loadCompose(resolve(root, 'docker-compose.yml'), exampleEnv)).toThrow(
      /MONGO_KEYFILE|MONGO_ROOT_PASSWORD|MONGO_APP_PASSWORD|GRAFANA_ADMIN_PASSWORD/,
    );
    for (const name of Object.keys(secrets)) {
      const without = { ...exampleEnv, ...secrets, [name]: '' };
      expect(() => loadCompose(resolve(root, 'docker-compose.yml'), without), name).toThrow(
        new RegExp(`${name} is missing a value: set ${name} in .env`),
      );
    }
  });

  it('runs mongo, a one-shot mongo-init, api, relay and consumer by default', () => {
    const byDefault = Object.entries(services)
      .filter(([, svc]) => !svc.profiles?.length)
      .map(([name]) => name);
    expect(byDefault.sort()).toEqual(['api', 'consumer', 'mongo', 'mongo-init', 'relay']);
  });

  it('publishes the api on 8000, the relay on 8765 and MongoDB on 27017 (loopback only)', () => {
    expect(service('api').ports).toEqual(['127.0.0.1:8000:8000']);
    expect(service('relay').ports).toEqual(['127.0.0.1:8765:8765']);
    expect(service('mongo').ports).toEqual(['127.0.0.1:27017:27017']);
    expect(environment(service('api')).get('API_PORT')).toBe('8000');
    expect(environment(service('relay')).get('RELAY_PORT')).toBe('8765');
  });

  it("serves the api and relay metrics on their operators' port 9464, on the compose network only", () => {
    for (const [name, prefix] of [
      ['api', 'API'],
      ['relay', 'RELAY'],
    ] as const) {
      expect(environment(service(name)).get(`${prefix}_METRICS_PORT`), name).toBe('9464');
      expect(environment(service(name)).get(`${prefix}_METRICS_HOST`), name).toBe('0.0.0.0');
      expect(containerPorts(service(name)), name).not.toContain('9464');
      // No token: /metrics stays closed on the published port.
      expect(environment(service(name)).get(`${prefix}_METRICS_TOKEN`), name).toBeUndefined();
    }
  });

  it('publishes every port on 127.0.0.1 unless PUBLISH_ADDRESS says otherwise; MongoDB always on 127.0.0.1', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const port of svc.ports ?? []) expect(String(port), name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    const open = loadCompose(resolve(root, 'docker-compose.yml'), { ...exampleEnv, ...secrets, PUBLISH_ADDRESS: '0.0.0.0' }).services;
    expect(open.api?.ports).toEqual(['0.0.0.0:8000:8000']);
    expect(open.mongo?.ports).toEqual(['127.0.0.1:27017:27017']);
  });

  it('runs mongod from the official image as member of replica set rs0, with a keyfile (authorization on)', () => {
    for (const name of ['mongo', 'mongo2', 'mongo3']) {
      expect(service(name).image).toMatch(/^mongo:\d/);
      expect(command(service(name)).join(' ')).toMatch(/--replSet rs0\b/);
      expect(command(service(name)).join(' ')).toMatch(/--keyFile \/etc\/mongo-keyfile\b/);
      expect(environment(service(name)).get('MONGO_KEYFILE')).toBe(secrets.MONGO_KEYFILE);
      // The entrypoint writes the keyfile from the environment, owner-only, then runs the image's own.
      const entrypoint = [service(name).entrypoint].flat().join(' ');
      expect(entrypoint).toMatch(/printf '%s' "\$MONGO_KEYFILE" > \/etc\/mongo-keyfile && chmod 400 \/etc\/mongo-keyfile/);
      expect(entrypoint).toMatch(/exec docker-entrypoint\.sh "\$@"/);
    }
    // The root user is created once, by the first member, from .env.
    expect(environment(service('mongo')).get('MONGO_INITDB_ROOT_USERNAME')).toBe('root');
    expect(environment(service('mongo')).get('MONGO_INITDB_ROOT_PASSWORD')).toBe(secrets.MONGO_ROOT_PASSWORD);
    for (const name of ['mongo-init', 'mongo-init-replica-set']) {
      expect(environment(service(name)).get('MONGO_ROOT_PASSWORD'), name).toBe(secrets.MONGO_ROOT_PASSWORD);
      expect(environment(service(name)).get('MONGO_APP_USER'), name).toBe('app');
      expect(environment(service(name)).get('MONGO_APP_PASSWORD'), name).toBe(secrets.MONGO_APP_PASSWORD);
    }
  });

  it('points every service at the compose replica set, as the app user', () => {
    for (const name of ['api', 'relay', 'relay-scaled']) {
      expect(environment(service(name)).get('MONGO_URL')).toBe('mongodb://app:appsecret@mongo:27017/?replicaSet=rs0&authSource=admin');
    }
    expect(command(service('consumer'))).toEqual(expect.arrayContaining(['--url', 'ws://relay:8765']));
  });

  it('gives every long-running service a healthcheck on the port it listens on', () => {
    for (const name of Object.keys(services).filter((name) => !name.startsWith('mongo-init'))) {
      expect(service(name).healthcheck?.test, name).toBeDefined();
      expect(service(name).healthcheck?.disable, name).not.toBe(true);
    }
    expect(healthcheckText(service('api'))).toContain('http://127.0.0.1:8000/readyz');
    expect(healthcheckText(service('relay'))).toContain('http://127.0.0.1:8765/readyz');
    expect(healthcheckText(service('relay-scaled'))).toContain('http://127.0.0.1:8765/readyz');
    expect(healthcheckText(service('mongo'))).toContain('ping');
  });

  it('orders start-up with depends_on conditions: mongo healthy → init done → api/relay healthy → consumer', () => {
    expect(dependsOn(service('mongo-init'))).toEqual({ mongo: 'service_healthy' });
    expect(dependsOn(service('api'))).toEqual({ 'mongo-init': 'service_completed_successfully' });
    expect(dependsOn(service('relay'))).toEqual({ 'mongo-init': 'service_completed_successfully' });
    expect(dependsOn(service('consumer'))).toMatchObject({ relay: 'service_healthy' });
    expect(dependsOn(service('relay-lb'))).toEqual({ 'relay-scaled': 'service_healthy' });
  });

  it('never depends on a service that can be switched off while the dependent runs', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const target of Object.keys(dependsOn(svc))) {
        const needed = service(target).profiles ?? [];
        // A dependency in a profile is only safe from services that are in that same profile.
        for (const profile of needed) expect(svc.profiles ?? [], `${name} → ${target}`).toContain(profile);
      }
    }
  });

  it('has a replica-set profile with two more members that a second init adds', () => {
    expect(service('mongo2').profiles).toEqual(['replica-set']);
    expect(service('mongo3').profiles).toEqual(['replica-set']);
    const init = service('mongo-init-replica-set');
    expect(init.profiles).toEqual(['replica-set']);
    expect(environment(init).get('MONGO_MEMBERS')).toBe('mongo:27017,mongo2:27017,mongo3:27017');
    expect(dependsOn(init)).toEqual({
      'mongo-init': 'service_completed_successfully',
      mongo2: 'service_healthy',
      mongo3: 'service_healthy',
    });
  });

  it('has a scale profile: several relays behind nginx, which forwards WebSocket upgrades', () => {
    const relays = service('relay-scaled');
    expect(relays.profiles).toEqual(['scale']);
    expect(relays.deploy?.replicas).toBeGreaterThan(1);
    expect(relays.ports ?? []).toEqual([]); // replicas cannot share a host port; nginx is the way in
    const lb = service('relay-lb');
    expect(lb.profiles).toEqual(['scale']);
    expect(lb.image).toMatch(/^nginx:/);
    const mount = (lb.volumes ?? []).find((volume) => volume.includes('/etc/nginx/conf.d/'));
    const conf = read(mount?.split(':')[0] ?? 'missing');
    expect(conf).toMatch(/server relay-scaled:8765\b/);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(containerPorts(lb)).toEqual([/listen (\d+);/.exec(conf)?.[1]]);
  });

  it('runs the mongo-init script from mongo-init/ through mongosh, in both init services', () => {
    for (const name of ['mongo-init', 'mongo-init-replica-set']) {
      const init = service(name);
      expect(init.image).toMatch(/^mongo:\d/);
      expect(init.restart).toBe('no');
      const args = command(init);
      expect(args[0]).toBe('mongosh');
      const script = args[args.indexOf('--file') + 1] ?? '';
      const mount = (init.volumes ?? []).map((volume) => volume.split(':')).find(([, target]) => script.startsWith(`${target}/`));
      expect(mount, `${name} mounts the folder of ${script}`).toBeDefined();
      expect(existsSync(resolve(root, mount?.[0] ?? '', script.slice((mount?.[1] ?? '').length + 1)))).toBe(true);
    }
  });

  it('creates the same indexes in mongo-init as the API does at start', () => {
    expect(JSON.parse(read('mongo-init/indexes.json'))).toEqual(JSON.parse(JSON.stringify(API_INDEXES)));
  });

  it('builds api, relay and consumer from the one Dockerfile', () => {
    for (const name of ['api', 'relay', 'consumer', 'relay-scaled']) {
      expect(service(name).build).toEqual({ context: '.', target: 'runtime' });
      // Compiled code with plain node: dist/<service>/main.js is what `npm run build` makes of <service>/main.ts.
      const [node, entry = ''] = command(service(name));
      expect(node).toBe('node');
      expect(entry).toMatch(/^dist\/(api|relay|consumer)\/main\.js$/);
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(resolve(root, source)), `${name} runs ${entry}, compiled from ${source}, which exists`).toBe(true);
    }
  });

  it('passes each service only variables its configuration reads', () => {
    const api = new Set(Object.keys(apiConfigSchema.shape));
    const relay = new Set(Object.keys(relayConfigSchema.shape));
    for (const name of environment(service('api')).keys()) expect(api, `api: ${name}`).toContain(name);
    for (const name of environment(service('relay')).keys()) expect(relay, `relay: ${name}`).toContain(name);
    const consumer = [...read('consumer/config.ts').matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]);
    for (const name of environment(service('consumer')).keys()) expect(consumer, `consumer: ${name}`).toContain(name);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM\s/m).slice(1);
  const runtime = stages.find((stage) => /^\S+\s+AS\s+runtime\b/i.test(stage)) ?? '';
  const build = stages.find((stage) => /^\S+\s+AS\s+build\b/i.test(stage)) ?? '';

  it('is multi-stage, installs production dependencies only, and runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  });

  it('runs compiled code: the build stage runs npm run build, the runtime copies dist/ and starts it with plain node, on Node 24', () => {
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/api\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/tsx|COPY (api|relay|consumer|common) /);
    expect(dockerfile).toMatch(/^FROM node:24-slim AS base$/m);
  });

  it('compiles every file the three services import, and they import only production dependencies', () => {
    const copied = [...build.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm)].flatMap((match) => (match[1] ?? '').split(/\s+/));
    const ignored = new Set(
      read('.dockerignore')
        .split('\n')
        .map((line) => line.trim()),
    );
    const { files, packages } = reachableImports(
      root,
      ['api/main.ts', 'relay/main.ts', 'consumer/main.ts'].filter((entry) => existsSync(resolve(root, entry))),
    );
    for (const file of files) {
      const folder = file.split('/')[0] ?? '';
      expect(copied, `${file} is in the image`).toContain(folder);
      expect(ignored.has(folder), `${folder} is not in .dockerignore`).toBe(false);
    }
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    for (const name of packages) expect(Object.keys(dependencies), `${name} is a runtime dependency`).toContain(name);
    expect(Object.keys(dependencies), 'tsx is a development tool').not.toContain('tsx');
  });
});

describe('.env.example', () => {
  const listed = new Set([...read('.env.example').matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1] ?? ''));
  const consumerReads = [...read('consumer/config.ts').matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1] ?? '');
  const initReads = [...read('mongo-init/init-replica-set.js').matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1] ?? '');
  const configKeys = [
    ...Object.keys(apiConfigSchema.shape),
    ...Object.keys(relayConfigSchema.shape),
    ...Object.keys(stackConfigSchema.shape),
    ...consumerReads,
  ];
  // Read by a library rather than by one of our config.ts files.
  const readByLibraries = ['MONGOMS_SYSTEM_BINARY'];

  it('lists only variables that something reads', () => {
    const readers = new Set([...configKeys, ...interpolatedNames(composeText), ...initReads, ...readByLibraries]);
    for (const name of listed) expect(readers, name).toContain(name);
  });

  it('lists every variable of every config.ts, and what compose and mongo-init read', () => {
    const setByCompose = new Set(
      Object.values(services).flatMap((svc) => [...environment(svc)].filter(([, value]) => value !== undefined).map(([name]) => name)),
    );
    for (const name of configKeys) expect(listed, name).toContain(name);
    for (const name of interpolatedNames(composeText)) expect(listed, name).toContain(name);
    // mongo-init's replica-set layout is fixed per profile by compose, not something to override.
    for (const name of initReads.filter((name) => !setByCompose.has(name) || interpolatedNames(composeText).has(name))) {
      expect(listed, name).toContain(name);
    }
  });
});
