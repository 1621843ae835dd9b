// Tests of the range validator: heart-rate bounds, future and old timestamps, and its options.
import range from './range.js';
import { describe } from 'vitest';
import { ruleTester } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:40:00Z');
const MIN = 60_000;

ruleTester(range, {
  valid: [
    { at: T, heartRate: 20 },
    { at: T, heartRate: 250 },
    { at: T, heartRate: 72 },
    { name: 'exactly 5 minutes ahead of the receive time', reading: { at: T + 5 * MIN, receivedAt: T, heartRate: 72 } },
    { name: 'exactly 7 days old', reading: { at: T - 7 * 24 * 60 * MIN, receivedAt: T, heartRate: 72 } },
  ],
  invalid: [
    { reading: { at: T, heartRate: 19 }, expect: [{ reject: 'heart_rate_out_of_range' }] },
    { reading: { at: T, heartRate: 251 }, expect: [{ reject: 'heart_rate_out_of_range' }] },
    { reading: { at: T, heartRate: 0 }, expect: [{ reject: 'heart_rate_out_of_range' }] },
    { reading: { at: T, heartRate: -72 }, expect: [{ reject: 'heart_rate_out_of_range' }] },
    { name: '5 minutes and 1 ms ahead', reading: { at: T + 5 * MIN + 1, receivedAt: T, heartRate: 72 }, expect: [{ reject: 'timestamp_in_future' }] },
    { name: '7 days and 1 ms old', reading: { at: T - 7 * 24 * 60 * MIN - 1, receivedAt: T, heartRate: 72 }, expect: [{ reject: 'timestamp_too_old' }] },
    { name: 'epoch seconds sent as milliseconds (1970)', reading: { at: Math.floor(T / 1000), receivedAt: T, heartRate: 72 }, expect: [{ reject: 'timestamp_too_old' }] },
  ],
});

describe('range options', () => {
  ruleTester(range, {
    options: { minBpm: 30, maxBpm: 220, maxFutureMs: 0, maxAgeMs: MIN },
    valid: [{ at: T, heartRate: 30 }, { at: T, heartRate: 220 }, { reading: { at: T - MIN, receivedAt: T, heartRate: 72 } }],
    invalid: [
      { reading: { at: T, heartRate: 29 }, expect: [{ reject: 'heart_rate_out_of_range' }] },
      { reading: { at: T, heartRate: 221 }, expect: [{ reject: 'heart_rate_out_of_range' }] },
      { reading: { at: T + 1, receivedAt: T, heartRate: 72 }, expect: [{ reject: 'timestamp_in_future' }] },
      { reading: { at: T - MIN - 1, receivedAt: T, heartRate: 72 }, expect: [{ reject: 'timestamp_too_old' }] },
    ],
  });
});
