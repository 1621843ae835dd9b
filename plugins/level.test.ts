// Tests of the level rule: every class boundary, late readings, and custom thresholds.
import { describe } from 'vitest';
import level from './level.js';
import { NOT_STORABLE_REASON } from '../src/core/table-limits.js';
import { ruleTester } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:40:00Z');
const at = (bpms: number[]) => bpms.map((heartRate, i) => ({ at: T + i * 1000, heartRate }));

ruleTester(level, {
  valid: [
    { name: 'boundaries 39/40 59/60 100/101 160/161 200/201', readings: at([39, 40, 59, 60, 100, 101, 160, 161, 200, 201]),
      levels: ['critical_low', 'low', 'low', 'normal', 'normal', 'elevated', 'elevated', 'high', 'high', 'critical_high'] },
    { name: 'a late reading is classified too', readings: [{ at: T + 60_000, heartRate: 72 }, { at: T, heartRate: 30 }],
      levels: ['normal', 'critical_low'], late: [false, true] },
  ],
  // A reading the core rejects gets no row and so no level; the others are classified.
  invalid: [
    { name: 'a heart rate the table cannot store is rejected, not classified', readings: at([72, 251]),
      expect: [{ reject: NOT_STORABLE_REASON }], levels: ['normal'] },
    { name: 'a repeated reading is rejected as a duplicate, classified once', readings: [{ at: T, heartRate: 72 }, { at: T, heartRate: 72 }],
      expect: [{ reject: 'duplicate' }], levels: ['normal'] },
  ],
});

describe('level options', () => {
  ruleTester(level, {
    options: { criticalLowBelow: 35, lowBelow: 50, normalMax: 90, elevatedMax: 150, highMax: 190 },
    valid: [{ readings: at([34, 35, 49, 50, 90, 91, 150, 151, 190, 191]),
      levels: ['critical_low', 'low', 'low', 'normal', 'normal', 'elevated', 'elevated', 'high', 'high', 'critical_high'] }],
    invalid: [{ name: 'the table limit holds whatever the thresholds', readings: at([19, 20]), expect: [{ reject: NOT_STORABLE_REASON }], levels: ['critical_low'] }],
  });
});
