import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// The library as a browser loads it: bundled for the browser platform (a Node built-in would fail the
// build), with no package code inside (no runtime dependencies), and small. The size is printed for
// the record; it is not asserted (performance is the benchmarks' business, not the tests').

describe('the client library in a browser bundle', () => {
  it('bundles for the browser from its own files and the contract alone', async () => {
    const result = await build({
      entryPoints: ['client/index.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      metafile: true,
      legalComments: 'none',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => !/^(client|contract)\//.test(input))).toEqual([]);
    const text = result.outputFiles[0]?.text ?? '';
    expect(text).toMatch(/export\{.*createLiveCollection/s);
    console.log(
      `client library bundle: ${Buffer.byteLength(text)} bytes minified, ${gzipSync(text, { level: 9 }).length} bytes minified + gzip`,
    );
  });
});
