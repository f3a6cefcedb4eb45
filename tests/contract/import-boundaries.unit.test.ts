import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { boundaryViolations, importsOf, projectBoundaries } from './import-boundaries.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('import boundaries', () => {
  it('api, relay, consumer and the client import only the contract and common, and the contract only itself', () => {
    expect(boundaryViolations(root, projectBoundaries)).toEqual([]);
  });

  describe('on a tree that breaks them', () => {
    let scratch = '';
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));

    function tree(files: Record<string, string>): string {
      scratch = mkdtempSync(join(tmpdir(), 'boundaries-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(scratch, path)), { recursive: true });
        writeFileSync(join(scratch, path), text);
      }
      return scratch;
    }

    it('names a service that imports another service, even for a type', () => {
      const dir = tree({
        'relay/hub.ts': "import type { X } from '../api/x.js';\nimport { y } from './y.js';\n",
        'consumer/main.ts': "export { close } from '../relay/close.js';\n",
        'api/app.ts': "const m = await import('../consumer/m.js');\n",
      });
      expect(boundaryViolations(dir, projectBoundaries)).toEqual([
        'api/app.ts: ../consumer/m.js (api/ may import only api, contract, common)',
        'relay/hub.ts: ../api/x.js (relay/ may import only relay, contract, common)',
        'consumer/main.ts: ../relay/close.js (consumer/ may import only consumer, client, contract, common)',
      ]);
    });

    it('names a contract file that imports a service, common, or a server-only package', () => {
      const dir = tree({
        'contract/a.ts':
          "import { b } from '../common/b.js';\nimport { MongoClient } from 'mongodb';\nimport type { ObjectId } from 'mongodb';\nimport { z } from 'zod';\n",
      });
      expect(boundaryViolations(dir, projectBoundaries)).toEqual([
        'contract/a.ts: ../common/b.js (contract/ may import only contract)',
        'contract/a.ts: mongodb (contract/ may load only zod at run time)',
      ]);
    });

    it('names a client library file that imports a server folder, common, or any package at run time', () => {
      const dir = tree({
        'client/a.ts':
          "import { b } from '../common/b.js';\nimport { WebSocket } from 'ws';\nimport type { X } from 'ws';\nimport { c } from '../contract/c.js';\nimport { d } from '../relay/d.js';\n",
      });
      expect(boundaryViolations(dir, projectBoundaries)).toEqual([
        'client/a.ts: ../common/b.js (client/ may import only client, contract)',
        'client/a.ts: ws (client/ may load no package at run time)',
        'client/a.ts: ../relay/d.js (client/ may import only client, contract)',
      ]);
    });
  });

  it('counts only `import type` as erased: `import { type B }` still loads its module', () => {
    expect(importsOf("import type { A } from 'a';\nimport { type B } from 'b';\nimport { C, type D } from 'c';\n")).toEqual([
      { specifier: 'a', typeOnly: true },
      { specifier: 'b', typeOnly: false },
      { specifier: 'c', typeOnly: false },
    ]);
  });
});
