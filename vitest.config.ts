import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Picks the MongoDB backend once per run (MONGO_URL, a real mongod, or the double) and prints it.
    globalSetup: ['tests/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only add contention between socket-heavy tests.
    maxWorkers: 2,
  },
});
