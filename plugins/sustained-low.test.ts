// Tests of sustained-low: the 39/40 boundary, the 10-minute duration, episode end, exercise, gaps,
// late readings and options. (The episode logic is shared with sustained-high, tested there in depth.)
import { describe } from 'vitest';
import sustainedLow from './sustained-low.js';
import { repeat, ruleTester, series } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T03:00:00Z');
const S = 1000, MIN = 60_000;

ruleTester(sustainedLow, {
  valid: [
    { name: 'exactly 40 bpm for 15 minutes', readings: series(T, 30 * S, repeat(40, 31), { activity: 'sleep' }) },
    { name: '39 bpm for 9.5 minutes', readings: [...series(T, 30 * S, repeat(39, 20)), { at: T + 10 * MIN, heartRate: 55 }] },
    { name: '35 bpm for 15 minutes while exercising', readings: series(T, 30 * S, repeat(35, 31), { activity: 'exercise' }) },
  ],
  invalid: [
    {
      name: '39 bpm for 10 minutes, then recovery',
      readings: [...series(T, 30 * S, repeat(39, 21), { activity: 'sleep' }), { at: T + 11 * MIN, heartRate: 48 }],
      expect: [
        { messageId: 'sustained', severity: 'critical', episodeStart: T, episodeEnd: null, data: { thresholdBpm: 40 } },
        { episodeStart: T, episodeEnd: T + 10 * MIN, data: { endedBy: 'recovered', peakBpm: 39 } },
      ],
    },
    {
      name: 'the lowest value is kept as the peak',
      readings: [...series(T, 30 * S, [38, 30, ...repeat(36, 19)]), { at: T + 11 * MIN, heartRate: 60 }],
      expect: [{ episodeEnd: null }, { data: { peakBpm: 30 } }],
    },
    {
      name: 'a late reading does not reopen an ended episode',
      readings: [...series(T, 30 * S, repeat(35, 21)), { at: T + 11 * MIN, heartRate: 60 }, { at: T + 10 * MIN + 15 * S, heartRate: 35 }],
      late: [...repeat(0, 22).map(() => false), true],
      expect: [{ episodeEnd: null }, { episodeEnd: T + 10 * MIN }],
    },
  ],
});

describe('sustained-low options', () => {
  ruleTester(sustainedLow, {
    options: { thresholdBpm: 45, durationMs: 2 * MIN, severity: 'warning' },
    valid: [{ readings: series(T, 30 * S, repeat(45, 10)) }],
    invalid: [{ readings: series(T, 30 * S, repeat(44, 5)), expect: [{ severity: 'warning', episodeStart: T, episodeEnd: null, data: { minutes: 2 } }] }],
  });
});
