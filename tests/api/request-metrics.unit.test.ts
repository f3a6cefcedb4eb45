import { describe, expect, it } from 'vitest';
import { RequestMetrics } from '../../api/request-metrics.js';
import { metricFamilies, parseSamples, sampleValue } from '../harness/prometheus-text.js';

describe('request metrics in the text exposition format', () => {
  it('counts each label set apart, with cumulative buckets, sum and count', () => {
    const metrics = new RequestMetrics();
    for (const seconds of [0.0005, 0.001, 0.003, 0.2, 20]) metrics.observe('POST', '/api/product', 201, seconds);
    metrics.observe('GET', '/api/product/:id', 404, 0.002);
    const text = metrics.render();

    const post = { method: 'POST', route: '/api/product', status: '201' };
    expect(sampleValue(text, 'api_http_requests_total', post)).toBe(5);
    expect(sampleValue(text, 'api_http_requests_total', { method: 'GET', route: '/api/product/:id', status: '404' })).toBe(1);
    // A value equal to a bound falls in that bound's bucket (le: less than or equal).
    const bucket = (le: string) => sampleValue(text, 'api_http_request_duration_seconds_bucket', { ...post, le });
    expect([bucket('0.001'), bucket('0.0025'), bucket('0.005'), bucket('0.1'), bucket('0.25'), bucket('10'), bucket('+Inf')]).toEqual([
      2, 2, 3, 3, 4, 4, 5,
    ]);
    expect(sampleValue(text, 'api_http_request_duration_seconds_count', post)).toBe(5);
    expect(sampleValue(text, 'api_http_request_duration_seconds_sum', post)).toBeCloseTo(20.2045, 6);
    expect(sampleValue(text, 'api_http_requests_in_flight')).toBe(0);
    expect(metricFamilies(text)).toEqual(
      new Set(['api_http_requests_total', 'api_http_request_duration_seconds', 'api_http_requests_in_flight']),
    );
  });

  it('escapes label values as the format requires', () => {
    const metrics = new RequestMetrics();
    metrics.observe('GET', 'a"b\\c\nd', 200, 0.01);
    const [sample] = parseSamples(metrics.render()).filter((s) => s.name === 'api_http_requests_total');
    expect(metrics.render()).toContain('route="a\\"b\\\\c\\nd"');
    expect(sample?.value).toBe(1);
  });

  it('declares the families with no sample before the first request, and reports requests in flight', () => {
    const metrics = new RequestMetrics();
    metrics.inFlight = 2;
    const text = metrics.render();
    expect(parseSamples(text)).toEqual([{ name: 'api_http_requests_in_flight', labels: {}, value: 2 }]);
    expect(metricFamilies(text).size).toBe(3);
  });
});
