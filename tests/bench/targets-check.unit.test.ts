import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../bench/results.js';
import { evaluate } from '../../bench/targets-check.js';

// One api run of POST create per server and repeat, as the api scenario records it.
function createRun(target: RunResult['target'], repeat: number, requestsPerSecond: number): RunResult {
  return {
    scenario: 'api',
    target,
    repeat,
    lost: 0,
    outOfOrder: 0,
    api: { op: 'create', requestsPerSecond, requests: requestsPerSecond * 10 },
  } as RunResult;
}

describe('the api targets as the bench reports them', () => {
  it('shows a ratio just under its target with the digits that make it fail', () => {
    const runs = [createRun('api', 1, 2388), createRun('hono', 1, 3000), createRun('express', 1, 2000)];
    const { summary, checks } = evaluate(runs);
    expect(summary.apiCreateRatioVsHonoFloor).toBe(0.796);
    expect(checks.find((check) => check.name === 'api: POST vs Hono floor')).toMatchObject({ measured: '0.796×', pass: false });
    expect(checks.find((check) => check.name === 'api: POST vs Express')).toMatchObject({ measured: '1.194×', pass: true });
  });
});
