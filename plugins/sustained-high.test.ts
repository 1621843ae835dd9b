// Tests of sustained-high: the 120/121 boundary, the 10-minute duration, episode start and end,
// exercise, gaps (closed by a timer as other customers advance the watermark), out-of-order and late readings.
import { describe } from 'vitest';
import sustainedHigh from './sustained-high.js';
import { repeat, ruleTester, series } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:00:00Z');
const S = 1000, MIN = 60_000;
// 21 readings 30 s apart: exactly 10 minutes from first to last.
const tenMinutesAt = (bpm: number, start = T, extra = {}) => series(start, 30 * S, repeat(bpm, 21), extra);

ruleTester(sustainedHigh, {
  valid: [
    { name: '121 bpm for 9.5 minutes', readings: [...series(T, 30 * S, repeat(121, 20)), { at: T + 10 * MIN, heartRate: 80 }] },
    { name: 'exactly 120 bpm for 15 minutes', readings: series(T, 30 * S, repeat(120, 31)) },
    { name: '150 bpm for 15 minutes while exercising', readings: series(T, 30 * S, repeat(150, 31), { activity: 'exercise' }) },
    { name: 'interrupted by a normal reading after 6 minutes', readings: [...series(T, 30 * S, repeat(130, 13)), { at: T + 6 * MIN + 15 * S, heartRate: 90 }, ...series(T + 7 * MIN, 30 * S, repeat(130, 12))] },
    { name: 'a gap longer than 2 minutes breaks the run', readings: [...series(T, 30 * S, repeat(130, 11)), ...series(T + 8 * MIN, 30 * S, repeat(130, 11))] },
  ],
  invalid: [
    {
      name: '121 bpm for 10 minutes, then recovery: one episode, confirmed then ended',
      readings: [...tenMinutesAt(121), { at: T + 10 * MIN + 30 * S, heartRate: 80 }],
      expect: [
        { messageId: 'sustained', severity: 'warning', eventTime: T, episodeStart: T, episodeEnd: null, data: { thresholdBpm: 120, minutes: 10 } },
        { eventTime: T, episodeStart: T, episodeEnd: T + 10 * MIN, data: { endedBy: 'recovered', peakBpm: 121 } },
      ],
    },
    {
      name: 'one episode for a long run, not one per reading',
      readings: [...series(T, 30 * S, [125, 140, ...repeat(130, 58)]), { at: T + 30 * MIN, heartRate: 70 }],
      expect: [{ episodeEnd: null }, { episodeEnd: T + 59 * 30 * S, data: { peakBpm: 140 } }],
    },
    {
      name: 'starting to exercise ends the episode',
      readings: [...tenMinutesAt(130), { at: T + 11 * MIN, heartRate: 150, activity: 'exercise' }],
      expect: [{ episodeEnd: null }, { episodeEnd: T + 10 * MIN, data: { endedBy: 'activity' } }],
    },
    {
      name: 'silence: the episode ends when other customers move the watermark past the gap',
      readings: [...tenMinutesAt(130), ...series(T + 10 * MIN + 30 * S, 30 * S, repeat(70, 6), { customerId: 'CUST-OTHER' })],
      expect: [{ customerId: 'CUST-TEST', episodeEnd: null }, { customerId: 'CUST-TEST', episodeEnd: T + 10 * MIN, data: { endedBy: 'gap' } }],
    },
    {
      name: 'a late normal reading (older than the watermark) does not break the run',
      readings: [...tenMinutesAt(130), { at: T + 5 * MIN, heartRate: 70 }],
      late: [...repeat(0, 21).map(() => false), true],
      expect: [{ episodeStart: T, episodeEnd: null }],
    },
  ],
});

describe('sustained-high with out-of-order readings (allowed lateness 5 minutes)', () => {
  ruleTester(sustainedHigh, {
    allowedLatenessMs: 5 * MIN,
    valid: [{
      name: 'an out-of-order normal reading inside the run restarts it',
      readings: [...series(T, 30 * S, repeat(130, 11)), { at: T + 2 * MIN, heartRate: 80 }, ...series(T + 5 * MIN + 30 * S, 30 * S, repeat(130, 10))],
    }],
    invalid: [{
      name: 'the restarted run is confirmed 10 minutes after its new start',
      readings: [...series(T, 30 * S, repeat(130, 11)), { at: T + 2 * MIN, heartRate: 80 }, ...series(T + 5 * MIN + 30 * S, 30 * S, repeat(130, 20))],
      expect: [{ episodeStart: T + 5 * MIN, episodeEnd: null }],
    }, {
      name: 'an out-of-order high reading does not disturb the run',
      readings: [...series(T, 30 * S, repeat(130, 20)), { at: T + 2 * MIN + 15 * S, heartRate: 135 }, { at: T + 10 * MIN, heartRate: 130 }],
      expect: [{ episodeStart: T, episodeEnd: null }],
    }],
  });
});

describe('sustained-high options', () => {
  ruleTester(sustainedHigh, {
    options: { thresholdBpm: 100, durationMs: MIN, maxGapMs: 20 * S, exemptActivities: [], severity: 'critical' },
    valid: [{ readings: series(T, 15 * S, repeat(100, 10)) }, { readings: series(T, 30 * S, repeat(110, 4)) }],
    invalid: [
      { readings: series(T, 15 * S, [101, 101, 101, 101, 101, 90]), expect: [{ severity: 'critical', episodeEnd: null, data: { minutes: 1 } }, { episodeEnd: T + MIN }] },
      { readings: series(T, 15 * S, repeat(150, 5), { activity: 'exercise' }), expect: [{ episodeStart: T, episodeEnd: null }] },
    ],
  });
});
