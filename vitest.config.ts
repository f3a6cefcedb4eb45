import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Picks the MongoDB backend once per run (MONGO_URL, a real mongod, or the double) and prints it.
    globalSetup: ['tests/harness/global-setup.ts'],
    testTimeout: 30_000,
    // expect.poll is the one way tests wait for a condition: generous by default (two shared cores),
    // each call may ask for longer.
    expect: { poll: { timeout: 10_000, interval: 10 } },
    hookTimeout: 30_000,
    // Two cores: more workers only add contention between socket-heavy tests.
    maxWorkers: 2,
  },
});
