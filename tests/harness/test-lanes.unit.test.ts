import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run test:unit|int|e2e` pick files by suffix: a test file without one would run in `npm test`
// but in no lane, and nobody would notice.

const testsRoot = join(import.meta.dirname, '..');

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(testsRoot, path)] : [];
  });
}

describe('test lanes', () => {
  it('puts every test file in exactly one lane by its suffix (.unit, .int or .e2e)', () => {
    const files = testFiles(testsRoot);
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((file) => !/\.(unit|int|e2e)\.test\.ts$/.test(file))).toEqual([]);
  });
});
