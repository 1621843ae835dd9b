// Tests of the tachycardia rule: 110/111 and 200/201 boundaries, exercise exemption, late readings, options.
import { describe } from 'vitest';
import tachycardia from './tachycardia.js';
import { ruleTester } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:40:00Z');

ruleTester(tachycardia, {
  valid: [
    { at: T, heartRate: 110 }, { at: T, heartRate: 72 }, { at: T, heartRate: 45 },
    { at: T, heartRate: 180, activity: 'exercise' }, { at: T, heartRate: 200, activity: 'exercise' },
  ],
  invalid: [
    { reading: { at: T, heartRate: 111 }, expect: [{ messageId: 'high', severity: 'warning', eventTime: T, data: { heartRate: 111, threshold: 110 } }] },
    { reading: { at: T, heartRate: 200 }, expect: [{ severity: 'warning' }] },
    { reading: { at: T, heartRate: 201 }, expect: [{ severity: 'critical', data: { threshold: 200 } }] },
    { name: 'critical even when exercising', reading: { at: T, heartRate: 201, activity: 'exercise' }, expect: [{ severity: 'critical' }] },
    { name: 'walking is not exempt by default', reading: { at: T, heartRate: 130, activity: 'walk' }, expect: [{ severity: 'warning' }] },
    { name: 'a late reading is still reported', readings: [{ at: T + 60_000, heartRate: 72 }, { at: T, heartRate: 150 }], late: [false, true], expect: [{ eventTime: T }] },
  ],
});

describe('tachycardia options', () => {
  ruleTester(tachycardia, {
    options: { aboveBpm: 100, criticalAboveBpm: 180, exemptActivities: ['exercise', 'walk'] },
    valid: [{ at: T, heartRate: 100 }, { at: T, heartRate: 150, activity: 'walk' }],
    invalid: [
      { reading: { at: T, heartRate: 101 }, expect: [{ severity: 'warning', data: { threshold: 100 } }] },
      { reading: { at: T, heartRate: 181, activity: 'walk' }, expect: [{ severity: 'critical', data: { threshold: 180 } }] },
    ],
  });
});
