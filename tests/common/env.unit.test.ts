import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config.js';
import { envFlag, envList, readEnv } from '../../common/env.js';
import { loadRelayConfig } from '../../relay/config.js';
import { loadStackConfig } from '../../stack/config.js';

const schema = z.object({ FLAG: envFlag, LIST: envList, NAME: z.string().min(1).optional() });

describe('reading the environment', () => {
  it.each([
    ['1', true],
    ['TRUE', true],
    ['yes', true],
    ['on', true],
    ['0', false],
    ['False', false],
    ['no', false],
    ['off', false],
  ])('reads %s as %s', (text, value) => {
    expect(readEnv(schema, { FLAG: text }, { what: 'test' }).FLAG).toBe(value);
  });

  it('treats empty and blank values as unset, unless the variable must not be empty', () => {
    expect(readEnv(schema, { FLAG: '', LIST: '  ', NAME: '' }, { what: 'test' })).toEqual({
      FLAG: undefined,
      LIST: undefined,
      NAME: undefined,
    });
    expect(() => readEnv(schema, { NAME: '' }, { what: 'test', keepEmpty: ['NAME'] })).toThrow(/invalid test configuration: NAME/);
  });

  it('refuses a flag that is not yes or no, naming the variable', () => {
    expect(() => readEnv(schema, { FLAG: 'maybe' }, { what: 'test' })).toThrow(/invalid test configuration: FLAG: must be one of/);
  });

  it('gives every service the same answer for the same shared variable', () => {
    const env = { LOG_PRETTY: 'TRUE', MONGO_DB: 'catalogue', MONGO_URL: ' mongodb://db:27017/?replicaSet=rs0 ', MONGOMS_DOWNLOAD: 'true' };
    const api = loadApiConfig(env);
    const relay = loadRelayConfig(env);
    const stack = loadStackConfig(env, [], false);
    expect([api.logPretty, relay.logPretty]).toEqual([true, true]);
    expect([api.mongoDb, relay.mongoDb, stack.mongoDb]).toEqual(['catalogue', 'catalogue', 'catalogue']);
    expect([api.mongoUrl, relay.mongoUrl, stack.mongoUrl]).toEqual(Array(3).fill('mongodb://db:27017/?replicaSet=rs0'));
    expect(stack.allowDownload).toBe(true);
    for (const load of [
      () => loadApiConfig({ MONGO_DB: 'a.b' }),
      () => loadRelayConfig({ MONGO_DB: 'a.b' }),
      () => loadStackConfig({ MONGO_DB: 'a.b' }, [], false),
    ]) {
      expect(load).toThrow(/MONGO_DB: must be a MongoDB database name/);
    }
  });
});
