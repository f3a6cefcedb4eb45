import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm run bench:attribute` end to end, briefly: the API and the Hono floor under load at once, both
// sampled with perf (which .ci/run installs), and a table of CPU per request by owner. No number is
// asserted (CI machines are noisy), only that the samples land on the files that did the work.

const run = promisify(execFile);
// .ci/run installs perf; a machine without it, or whose kernel refuses to let it sample, skips the run.
const perfSamples = spawnSync('perf', ['record', '-q', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true']).status === 0;

describe('npm run bench:attribute', () => {
  it.skipIf(!perfSamples)(
    "charges the API's CPU per POST to the API's own files and the floor's to the floor's",
    { timeout: 120_000 },
    async () => {
      const mapsBefore = new Set(readdirSync(tmpdir()).filter((name) => /^perf-\d+\.map$/.test(name)));
      const { stdout } = await run('npx', ['tsx', 'bench/attribute.ts', '--seconds', '2', '--top', '200'], { timeout: 110_000 });

      expect(stdout).toMatch(/^create · 2 s · api \d+ requests, hono \d+$/m);
      const rows = new Map(
        stdout
          .split('\n')
          .map((line) => /^\s*(-?[\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(.+)$/.exec(line))
          .filter((match) => match !== null)
          .map((match) => [match[4]!, { api: Number(match[2]), hono: Number(match[3]) }]),
      );
      expect(rows.get('(all)')!.api).toBeGreaterThan(0);
      expect(rows.get('(all)')!.hono).toBeGreaterThan(0);
      // Only the API runs its route file and its request observer; only the floor runs its own.
      expect(rows.get('api/product-routes.ts')).toMatchObject({ hono: 0 });
      expect(rows.get('api/product-routes.ts')!.api).toBeGreaterThan(0);
      expect(rows.get('api/request-observer.ts')).toMatchObject({ hono: 0 });
      expect(rows.get('bench/api-peers/hono-floor.ts')).toMatchObject({ api: 0 });
      expect(rows.get('bench/api-peers/hono-floor.ts')!.hono).toBeGreaterThan(0);
      // Both spend CPU in the driver they share.
      expect(rows.get('mongodb')!.api).toBeGreaterThan(0);
      expect(rows.get('mongodb')!.hono).toBeGreaterThan(0);
      // The JIT name maps it made perf read are gone with it.
      const mapsAfter = readdirSync(tmpdir()).filter((name) => /^perf-\d+\.map$/.test(name) && !mapsBefore.has(name));
      expect(mapsAfter).toEqual([]);
    },
  );

  it('refuses a bad option with the usage and exit code 2', async () => {
    const failure = await run('npx', ['tsx', 'bench/attribute.ts', '--op', 'delete']).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run bench:attribute') });
  });
});
