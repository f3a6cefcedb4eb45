import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config.js';

describe('API configuration', () => {
  it('defaults to port 8000, database shop, open writes and info logs', () => {
    const config = loadApiConfig({});
    expect(config).toMatchObject({ port: 8000, host: '0.0.0.0', mongoDb: 'shop', logLevel: 'info', insertGroupMax: 1000 });
    expect(config.jwtSecret).toBeUndefined();
    expect(config.mongoUrl).toMatch(/^mongodb:\/\//);
  });

  it('reads every variable it documents', () => {
    const config = loadApiConfig({
      API_PORT: '9001',
      API_HOST: '127.0.0.1',
      MONGO_URL: 'mongodb://db:27017/?replicaSet=rs0',
      MONGO_DB: 'catalogue',
      API_JWT_SECRET: 's'.repeat(32),
      LOG_LEVEL: 'debug',
      LOG_PRETTY: '1',
      API_SHUTDOWN_GRACE_MS: '2500',
      MONGO_SERVER_SELECTION_TIMEOUT_MS: '1500',
      MONGO_CONNECT_TIMEOUT_MS: '1600',
      MONGO_OPERATION_TIMEOUT_MS: '1700',
      MONGO_SOCKET_TIMEOUT_MS: '1800',
      API_INSERT_GROUP_MAX: '1',
      API_HEADERS_TIMEOUT_MS: '1100',
      API_REQUEST_TIMEOUT_MS: '1200',
      API_KEEP_ALIVE_TIMEOUT_MS: '1300',
      API_MAX_CONNECTIONS: '14',
      API_REQUIRE_IF_MATCH: '1',
      API_JWT_AUDIENCE: 'shop-writes',
      API_JWT_REQUIRE_EXP: '0',
      API_JWT_CLOCK_TOLERANCE_S: '30',
      API_CORS_ORIGINS: 'https://shop.example, http://localhost:3000',
      API_CORS_MAX_AGE_S: '60',
      API_LIVE_PAGE: 'off',
      API_METRICS_PORT: '9465',
      API_METRICS_HOST: '10.0.0.2',
      API_METRICS_TOKEN: 'operators-only-token',
    });
    expect(config).toEqual({
      port: 9001,
      host: '127.0.0.1',
      mongoUrl: 'mongodb://db:27017/?replicaSet=rs0',
      mongoDb: 'catalogue',
      jwtSecret: 's'.repeat(32),
      logLevel: 'debug',
      logPretty: true,
      shutdownGraceMs: 2500,
      mongoServerSelectionTimeoutMs: 1500,
      mongoConnectTimeoutMs: 1600,
      mongoOperationTimeoutMs: 1700,
      mongoSocketTimeoutMs: 1800,
      insertGroupMax: 1,
      requireIfMatch: true,
      tokenRules: { audience: 'shop-writes', requireExp: false, clockToleranceSeconds: 30 },
      limits: { headersTimeoutMs: 1100, requestTimeoutMs: 1200, keepAliveTimeoutMs: 1300, maxConnections: 14 },
      corsOrigins: ['https://shop.example', 'http://localhost:3000'],
      corsMaxAgeSeconds: 60,
      livePage: false,
      metricsPort: 9465,
      metricsHost: '10.0.0.2',
      metricsToken: 'operators-only-token',
    });
  });

  it('has no metrics port and no metrics token unless told, and a short token is refused', () => {
    const config = loadApiConfig({});
    expect([config.metricsPort, config.metricsHost, config.metricsToken]).toEqual([undefined, '127.0.0.1', undefined]);
    expect(() => loadApiConfig({ API_METRICS_TOKEN: 'short' })).toThrow(/API_METRICS_TOKEN/);
  });

  it('sends no CORS headers and serves the live page unless told otherwise', () => {
    expect(loadApiConfig({})).toMatchObject({ corsOrigins: undefined, corsMaxAgeSeconds: 600, livePage: true });
  });

  it('treats an empty variable as unset', () => {
    expect(loadApiConfig({ API_JWT_SECRET: '', API_PORT: '' })).toMatchObject({ jwtSecret: undefined, port: 8000 });
  });

  it.each([
    ['API_PORT', 'eighty'],
    ['API_PORT', '70000'],
    ['API_PORT', '80.5'],
    ['MONGO_URL', 'http://localhost:27017'],
    ['MONGO_DB', 'has space'],
    ['MONGO_DB', 'a.b'],
    ['API_JWT_SECRET', 'too-short'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_PRETTY', 'maybe'],
    ['API_SHUTDOWN_GRACE_MS', '-1'],
    ['API_CORS_ORIGINS', 'https://shop.example/path'],
    ['API_CORS_ORIGINS', 'shop.example'],
    ['API_CORS_ORIGINS', 'ftp://shop.example'],
    ['API_CORS_MAX_AGE_S', '-5'],
    ['API_LIVE_PAGE', 'maybe'],
    ['API_INSERT_GROUP_MAX', '0'],
    ['API_INSERT_GROUP_MAX', '1001'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadApiConfig({ [name]: value })).toThrow(new RegExp(`invalid API configuration: .*${name}`));
  });
});
