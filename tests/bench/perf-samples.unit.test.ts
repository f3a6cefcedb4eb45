import { describe, expect, it } from 'vitest';
import { attributeSamples, compareOwners, jitSymbols, NATIVE_OWNERS, ownerOfSymbol } from '../../bench/perf-samples.js';

// `perf script -F tid,ip,sym,dso` as perf prints it for a Node process run with --perf-basic-prof:
// a line with the thread id, then one frame per line from the leaf to the root, a blank line between
// samples. Frames taken from a real recording of the API under load.
const root = '/work/main';
const script = [
  // A builtin called from the API's route: charged to the route's file.
  '100 ',
  '\t         14d2c40 Builtins_KeyedLoadIC_Megamorphic (/usr/bin/node)',
  '\t    7f5cb6d2625c JS:* file:///work/main/api/product-routes.ts:1:1510 (/tmp/perf-100.map)',
  '\t    7f5cb6d25e9c JS:*dispatch file:///work/main/node_modules/hono/dist/compose.js:24:26 (/tmp/perf-100.map)',
  '\t         14ce0dc Builtins_JSEntryTrampoline (/usr/bin/node)',
  '',
  // OpenSSL under Node's crypto.hash: charged to the Node module that called it.
  '100 ',
  '\t          a1b2c3 sha256_block_data_order_shaext (/usr/bin/node)',
  '\t          a1b2c4 node::crypto::Hash::OneShotDigest(v8::FunctionCallbackInfo<v8::Value> const&) (/usr/bin/node)',
  '\t    7f5cb6d00000 JS:*hash node:internal/crypto/hash:221:14 (/tmp/perf-100.map)',
  '\t    7f5cb6d2625c JS:*entityTag file:///work/main/api/entity-tag.ts:1:300 (/tmp/perf-100.map)',
  '',
  // A kernel write under a scoped package's interpreted frame.
  '100 ',
  '\tffffffff81a00000 tcp_sendmsg ([kernel.kallsyms])',
  '\t    7f5cb6d11111 JS:~writeHead file:///work/main/node_modules/@hono/node-server/dist/index.mjs:877:73 (/tmp/perf-100.map)',
  '',
  // A regular expression's JIT code has no file: its caller owns it.
  '100 ',
  '\t    7f5cb6d22222 RegExp:bearer|access_token|eyJ (/tmp/perf-100.map)',
  '\t    7f5cb6d33333 JS:*redactText file:///work/main/common/redact.ts:1:687 (/tmp/perf-100.map)',
  '',
  // No JavaScript on the stack: scavenges on the main thread and on a helper, a compiler thread,
  // the event loop waiting, libuv's pool, and native work of the main thread.
  '100 ',
  '\t         1000000 v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(...) (/usr/bin/node)',
  '\t         1000001 v8::internal::Heap::Scavenge() (/usr/bin/node)',
  '',
  '101 ',
  '\t         1000002 v8::internal::ScavengerCollector::JobTask::Run(v8::JobDelegate*) (/usr/bin/node)',
  '',
  '102 ',
  '\t         1000003 v8::internal::compiler::PipelineImpl::OptimizeGraph(v8::internal::compiler::Linkage*) (/usr/bin/node)',
  '',
  '100 ',
  '\tffffffff81b00000 ep_poll ([kernel.kallsyms])',
  '\t         14c05fb uv__io_poll (/usr/bin/node)',
  '\t         14ac8a7 uv_run (/usr/bin/node)',
  '',
  '103 ',
  '\tffffffff81c00000 vfs_write ([kernel.kallsyms])',
  '\t         14b0000 uv__fs_work (/usr/bin/node)',
  '',
  '100 ',
  '\t          2724a0 _int_malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '\t          900000 node::StreamBase::CallJSOnreadMethod(long, v8::Local<v8::ArrayBuffer>, unsigned long, node::StreamBase::StreamBaseJSChecks) (/usr/bin/node)',
  '',
].join('\n');

describe('perf sample attribution', () => {
  it('names the owner of a JIT frame by its file: project file, package (scoped too) or Node module', () => {
    expect(ownerOfSymbol('JS:*createProduct file:///work/main/api/idempotent-create.ts:1:402', root)).toBe('api/idempotent-create.ts');
    expect(ownerOfSymbol('JS:^write /work/main/node_modules/pino/lib/proto.js:206:16', root)).toBe('pino');
    expect(ownerOfSymbol('JS:* file:///work/main/node_modules/@hono/node-server/dist/index.mjs:877:73', root)).toBe('@hono/node-server');
    expect(ownerOfSymbol('JS:~parseChannelMessages node:internal/child_process/serialization:142:24', root)).toBe(
      'node:internal/child_process/serialization',
    );
    expect(ownerOfSymbol('LazyCompile:*serializeInto /srv/app/node_modules/bson/lib/bson.cjs:4103:23', root)).toBe('bson');
    expect(ownerOfSymbol('Builtins_LoadIC_Megamorphic', root)).toBeUndefined();
    expect(ownerOfSymbol('RegExp:bearer|access_token|eyJ', root)).toBeUndefined();
  });

  it('charges each sample to the first JavaScript frame on its stack, or to the engine or event loop', () => {
    const owners = attributeSamples(script, { mainTid: 100, repoRoot: root });
    expect(Object.fromEntries(owners)).toEqual({
      'api/product-routes.ts': 1,
      'node:internal/crypto/hash': 1,
      '@hono/node-server': 1,
      'common/redact.ts': 1,
      [NATIVE_OWNERS.gcMain]: 1,
      [NATIVE_OWNERS.gcHelpers]: 1,
      [NATIVE_OWNERS.compiler]: 1,
      [NATIVE_OWNERS.eventLoop]: 1,
      [NATIVE_OWNERS.otherThreads]: 1,
      [NATIVE_OWNERS.mainNative]: 1,
    });
  });

  it('names reused JIT addresses after the code made last, not the code that was there first', () => {
    // V8 put a startup function at 0x1000 and later reused the memory for the hot route.
    const map = [
      '1000 200 JS:~ file:///work/main/node_modules/has-symbols/index.js:1:1',
      '5000 40 JS:*other file:///work/main/api/app.ts:1:1',
      '1000 80 JS:* file:///work/main/api/product-routes.ts:1:1510',
      '1100 10 JS:*small file:///work/main/api/request-id.ts:1:181',
    ].join('\n');
    const jit = jitSymbols(map);
    expect(jit(0x1010)).toBe('JS:* file:///work/main/api/product-routes.ts:1:1510');
    expect(jit(0x1105)).toBe('JS:*small file:///work/main/api/request-id.ts:1:181');
    expect(jit(0x1150)).toBe('JS:~ file:///work/main/node_modules/has-symbols/index.js:1:1');
    expect(jit(0x5040)).toBeUndefined();
    expect(jit(0x0fff)).toBeUndefined();

    const sample = ['100 ', '\t    1010 JS:~ file:///work/main/node_modules/has-symbols/index.js:1:1 (/tmp/perf-100.map)', ''].join('\n');
    expect(Object.fromEntries(attributeSamples(sample, { mainTid: 100, repoRoot: root, jit }))).toEqual({ 'api/product-routes.ts': 1 });
    expect(Object.fromEntries(attributeSamples(sample, { mainTid: 100, repoRoot: root }))).toEqual({ 'has-symbols': 1 });
  });

  it('turns samples into µs of CPU per request and orders owners by how much more the first process spends', () => {
    const hz = 1000; // one sample per ms
    const rows = compareOwners(
      {
        owners: new Map([
          ['pino', 30],
          ['mongodb', 100],
        ]),
        requests: 1000,
      },
      {
        owners: new Map([
          ['mongodb', 80],
          ['hono', 30],
        ]),
        requests: 1000,
      },
      hz,
    );
    expect(rows).toEqual([
      { owner: 'pino', a: 30, b: 0 },
      { owner: 'mongodb', a: 100, b: 80 },
      { owner: 'hono', a: 0, b: 30 },
    ]);
  });
});
