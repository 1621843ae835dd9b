// Tests of the bradycardia rule: 49/50 and 39/40 boundaries, late readings, ignored activities, options.
import { describe } from 'vitest';
import bradycardia from './bradycardia.js';
import { ruleTester } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:40:00Z');

ruleTester(bradycardia, {
  valid: [{ at: T, heartRate: 50 }, { at: T, heartRate: 72 }, { at: T, heartRate: 180 }],
  invalid: [
    { reading: { at: T, heartRate: 49 }, expect: [{ messageId: 'low', severity: 'warning', eventTime: T, data: { heartRate: 49, threshold: 50 } }] },
    { reading: { at: T, heartRate: 40 }, expect: [{ severity: 'warning' }] },
    { reading: { at: T, heartRate: 39 }, expect: [{ severity: 'critical', data: { heartRate: 39, threshold: 40, message: 'Heart rate 39 bpm is below 40 bpm' } }] },
    { name: 'one anomaly per low reading', readings: [{ at: T, heartRate: 45 }, { at: T + 1000, heartRate: 72 }, { at: T + 2000, heartRate: 44 }],
      expect: [{ eventTime: T, severity: 'warning' }, { eventTime: T + 2000, severity: 'warning' }] },
    { name: 'a late reading is still reported (it is stateless)', readings: [{ at: T + 60_000, heartRate: 72 }, { at: T, heartRate: 45 }],
      late: [false, true], expect: [{ eventTime: T }] },
    { name: 'other customers are independent', readings: [{ at: T, heartRate: 45, customerId: 'CUST-1' }, { at: T, heartRate: 45, customerId: 'CUST-2' }],
      expect: [{ customerId: 'CUST-1' }, { customerId: 'CUST-2' }] },
  ],
});

describe('bradycardia options', () => {
  ruleTester(bradycardia, {
    options: { belowBpm: 45, criticalBelowBpm: 35, ignoreActivities: ['sleep'] },
    valid: [{ at: T, heartRate: 45 }, { at: T, heartRate: 30, activity: 'sleep' }],
    invalid: [
      { reading: { at: T, heartRate: 44 }, expect: [{ severity: 'warning', data: { threshold: 45 } }] },
      { reading: { at: T, heartRate: 34, activity: 'rest' }, expect: [{ severity: 'critical', data: { threshold: 35 } }] },
    ],
  });
});
