import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../stack/config.js';

describe('stack configuration', () => {
  it('defaults to the ports the seed uses, database shop, and an embedded MongoDB', () => {
    const config = loadStackConfig({}, [], false);
    expect(config).toMatchObject({ apiPort: 8000, relayPort: 8765, mongoDb: 'shop', watch: false, allowDownload: false, color: false });
    expect(config.mongoUrl).toBeUndefined();
  });

  it('takes ports, MONGO_URL and MONGO_DB from the environment; an empty MONGO_URL means unset', () => {
    expect(
      loadStackConfig(
        { API_PORT: '9000', RELAY_PORT: '9001', MONGO_URL: ' mongodb://db:27017/?replicaSet=rs0 ', MONGO_DB: 'x' },
        [],
        false,
      ),
    ).toMatchObject({
      apiPort: 9000,
      relayPort: 9001,
      mongoUrl: 'mongodb://db:27017/?replicaSet=rs0',
      mongoDb: 'x',
    });
    expect(loadStackConfig({ MONGO_URL: '' }, [], false).mongoUrl).toBeUndefined();
  });

  it('turns on hot reload with --watch or STACK_WATCH=1, and downloads only with MONGOMS_DOWNLOAD=1', () => {
    expect(loadStackConfig({}, ['--watch'], false).watch).toBe(true);
    expect(loadStackConfig({ STACK_WATCH: '1' }, [], false).watch).toBe(true);
    expect(loadStackConfig({ MONGOMS_DOWNLOAD: '1' }, [], false).allowDownload).toBe(true);
    expect(loadStackConfig({ MONGOMS_DOWNLOAD: '0' }, [], false).allowDownload).toBe(false);
  });

  it('runs the compiled services under NODE_ENV=production, and refuses hot reload there', () => {
    expect(loadStackConfig({}, [], false).compiled).toBe(false);
    expect(loadStackConfig({ NODE_ENV: 'production' }, [], false).compiled).toBe(true);
    expect(() => loadStackConfig({ NODE_ENV: 'production' }, ['--watch'], false)).toThrow(/NODE_ENV=production/);
  });

  it('colours prefixes only on a terminal and only without NO_COLOR', () => {
    expect(loadStackConfig({}, [], true).color).toBe(true);
    expect(loadStackConfig({ NO_COLOR: '1' }, [], true).color).toBe(false);
  });

  it('names the variable or argument that is wrong', () => {
    expect(() => loadStackConfig({ API_PORT: '70000' }, [], false)).toThrow(/API_PORT/);
    expect(() => loadStackConfig({ RELAY_PORT: 'x' }, [], false)).toThrow(/RELAY_PORT/);
    expect(() => loadStackConfig({ API_PORT: '9000', RELAY_PORT: '9000' }, [], false)).toThrow(/API_PORT and RELAY_PORT are both 9000/);
    expect(() => loadStackConfig({}, ['--wacth'], false)).toThrow(/unknown argument --wacth/);
  });
});
