import { get } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort, groupEmpties, startStackProcess, type StackProcess } from './stack-process.js';

// `npm start` as a newcomer uses it: one process, the banner, the seed's POST, the consumer's line,
// Ctrl-C. MongoDB is the harness's backend (MONGO_URL); without one the stack picks its own.

const SEED_BODY = '{"nombre": "iPhone 15", "precio": 999.99, "talla": "L"}';
const BOOT_MS = 90_000;

let stack: StackProcess | undefined;
afterEach(() => {
  stack?.destroy();
  stack = undefined;
});

async function bootStack(
  database: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ stack: StackProcess; apiPort: number; relayPort: number }> {
  const apiPort = await freePort();
  const relayPort = await freePort();
  const mongoUrl = inject('mongoUrl');
  stack = startStackProcess({
    API_PORT: String(apiPort),
    RELAY_PORT: String(relayPort),
    MONGO_DB: database,
    MONGO_URL: mongoUrl ?? '',
    ...env,
  });
  await stack.waitForLine(/^stack\s+│ ready\b/, BOOT_MS);
  await stack.waitForLine(/^stack\s+│\s+Ctrl-C stops everything\./, 5_000); // the banner's last line
  return { stack, apiPort, relayPort };
}

describe('npm start', () => {
  it(
    'boots api, relay and consumer; the seed POST makes the consumer print the product; Ctrl-C stops all of it with exit 0',
    async () => {
      const { stack, apiPort, relayPort } = await bootStack('stack_start_seed');
      expect(stack.lines.join('\n')).toContain(`curl -X POST http://localhost:${apiPort}/api/product/`);
      expect(stack.lines.join('\n')).toContain(`ws://localhost:${relayPort}`);
      // The banner's live page answers: the page and its script (the client library, bundled).
      const livePage = /Live page (\S+)/.exec(stack.lines.join('\n'))?.[1];
      expect(livePage).toBe(`http://localhost:${apiPort}/live/?relay=ws://localhost:${relayPort}/`);
      const page = await fetch(String(livePage).replace('localhost', '127.0.0.1'));
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="/live/page.js">');
      const script = await fetch(`http://127.0.0.1:${apiPort}/live/page.js`);
      expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
      await script.body?.cancel();

      const response = await fetch(`http://127.0.0.1:${apiPort}/api/product/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: SEED_BODY,
      });
      expect(response.status).toBe(201);
      await stack.waitForLine(/^consumer\s+│ 📱 Product created: iPhone 15\b/, 20_000);

      const pids = stack.servicePids();
      expect(pids).toHaveLength(3);
      stack.signal('SIGINT');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      for (const pid of pids) expect(await groupEmpties(pid, 3_000), `service ${pid} and its children are gone`).toBe(true);
      expect(stack.lines.at(-1)).toMatch(/^stack\s+│ stopped$/);
    },
    BOOT_MS + 60_000,
  );

  it(
    'works with RELAY_JWT_SECRET set: the relay refuses anonymous clients, and the stack mints its own consumer a token',
    async () => {
      const { stack, apiPort, relayPort } = await bootStack('stack_start_token', {
        RELAY_JWT_SECRET: 'stack-relay-secret-of-at-least-32-bytes',
      });
      const anonymous = await new Promise<number | undefined>((resolve, reject) => {
        const request = get(`http://127.0.0.1:${relayPort}/`, {
          headers: {
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        });
        request.once('response', (answer) => (answer.resume(), resolve(answer.statusCode)));
        request.once('upgrade', (answer, socket) => (socket.destroy(), resolve(answer.statusCode)));
        request.once('error', reject);
      });
      expect(anonymous).toBe(401);
      const response = await fetch(`http://127.0.0.1:${apiPort}/api/product/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: SEED_BODY,
      });
      expect(response.status).toBe(201);
      await stack.waitForLine(/^consumer\s+│ 📱 Product created: iPhone 15\b/, 20_000);
      expect(stack.lines.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
      stack.signal('SIGINT');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
    },
    BOOT_MS + 60_000,
  );

  it(
    'drains gracefully and exits 0 when one Ctrl-C arrives twice at once (terminal and npm both deliver it)',
    async () => {
      const { stack } = await bootStack('stack_start_double_sigint');
      const pids = stack.servicePids();
      stack.signal('SIGINT');
      stack.signal('SIGINT');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      expect(stack.lines.join('\n')).not.toMatch(/killing every service now/);
      for (const pid of pids) expect(await groupEmpties(pid, 3_000), `service ${pid} and its children are gone`).toBe(true);
      expect(stack.lines.at(-1)).toMatch(/^stack\s+│ stopped$/);
    },
    BOOT_MS + 60_000,
  );

  it(
    'stops everything with a non-zero exit when a service dies on its own',
    async () => {
      const { stack } = await bootStack('stack_start_crash');
      const pids = stack.servicePids();
      const relayPid = Number(/relay started \(pid (\d+)\)/.exec(stack.lines.join('\n'))?.[1]);
      process.kill(relayPid, 'SIGKILL');
      await stack.waitForLine(/relay exited unexpectedly \(signal SIGKILL\)/, 10_000);
      expect((await stack.exited).code).toBe(1);
      for (const pid of pids) expect(await groupEmpties(pid, 3_000), `service ${pid} and its children are gone`).toBe(true);
    },
    BOOT_MS + 60_000,
  );

  it('refuses to start when API_PORT is taken, saying which variable to change', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const address = squatter.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      stack = startStackProcess({
        API_PORT: String(port),
        RELAY_PORT: String(await freePort()),
        MONGO_URL: 'mongodb://127.0.0.1:1/?replicaSet=rs0',
      });
      expect((await stack.exited).code).toBe(1);
      expect(stack.lines.join('\n')).toContain(`port ${port} is already in use (API_PORT)`);
      expect(stack.servicePids()).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('rejects a bad port value before starting anything (exit 2)', async () => {
    stack = startStackProcess({ RELAY_PORT: 'eighty' });
    expect((await stack.exited).code).toBe(2);
    expect(stack.lines.join('\n')).toMatch(/RELAY_PORT/);
  });
});
