// Tests of bradycardia: the 50/49 boundary and the 10-minute duration, one episode with start, end
// and lowest rate, critical below 40, ignored activities, gaps.
import { describe } from 'vitest';
import bradycardia from './bradycardia.js';
import { repeat, ruleTester, series } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T03:00:00Z');
const S = 1000, MIN = 60_000;
const run = (bpm: number, n: number, extra = {}) => series(T, 10 * S, repeat(bpm, n), extra);

ruleTester(bradycardia, {
  valid: [
    { name: 'exactly 50 bpm for 15 minutes', readings: run(50, 91) },
    { name: '45 bpm for 9 min 50 s, then 60', readings: [...run(45, 60), { at: T + 10 * MIN, heartRate: 60 }] },
    { name: 'a gap longer than 2 minutes breaks the run', readings: [...run(45, 36), ...series(T + 8 * MIN, 10 * S, repeat(45, 36))] },
    { at: T, heartRate: 35 },
  ],
  invalid: [
    {
      name: '49 bpm for 10 minutes, then recovery: one episode, confirmed then ended',
      readings: [...run(49, 61), { at: T + 10 * MIN + 10 * S, heartRate: 62 }],
      expect: [
        { messageId: 'low', severity: 'warning', eventTime: T, episodeStart: T, episodeEnd: null, data: { thresholdBpm: 50, minutes: 10, lowestBpm: 49 } },
        { episodeStart: T, episodeEnd: T + 10 * MIN, data: { endedBy: 'recovered', durationMinutes: 10 } },
      ],
    },
    {
      name: 'critical when the lowest rate is below 40, whatever the activity',
      readings: [...series(T, 10 * S, [45, 38, ...repeat(44, 59)], { activity: 'sleep' }), { at: T + 11 * MIN, heartRate: 60 }],
      expect: [{ severity: 'critical', episodeEnd: null }, { severity: 'critical', data: { lowestBpm: 38 } }],
    },
  ],
});

describe('bradycardia with an out-of-order reading', () => {
  ruleTester(bradycardia, {
    valid: [{ name: 'an out-of-order 55 inside a short run ends it', readings: [...run(45, 10), { at: T + 45 * S, heartRate: 55 }] }],
    invalid: [{
      name: 'the run restarted by an out-of-order normal reading no longer carries the readings before it',
      // 35 then 48s; a 55 stamped between them arrives late (within the allowed lateness): the run
      // restarts at its latest reading, so its lowest rate is 48 (warning), not 35 (critical).
      readings: [{ at: T, heartRate: 35 }, { at: T + 10 * S, heartRate: 48 }, { at: T + 20 * S, heartRate: 48 }, { at: T + 5 * S, heartRate: 55 },
        ...series(T + 30 * S, 10 * S, repeat(48, 60))],
      expect: [{ severity: 'warning', episodeStart: T + 20 * S, episodeEnd: null, data: { lowestBpm: 48 } }],
    }],
  });
});

describe('bradycardia counts a run from halfway between the last normal reading and the first low one', () => {
  // Readings are samples: the rate crossed 50 somewhere in the 14 s before the first low one.
  const lows = series(T, 5 * S, repeat(45, 120)); // T .. T + 9 min 55 s
  const recovery = { at: T + 10 * MIN, heartRate: 60 };
  ruleTester(bradycardia, {
    valid: [
      { name: 'after a reading 60 s before (off the wrist), 9 min 55 s of lows are too short', readings: [{ at: T - 60 * S, heartRate: 60 }, ...lows, recovery] },
      { name: 'after a reading 14 s before, 9 min 50 s of lows are too short', readings: [{ at: T - 14 * S, heartRate: 60 }, ...lows.slice(0, -1), recovery] },
    ],
    invalid: [{
      name: 'after a reading 14 s before, 9 min 55 s of lows are 10 min 2 s below 50: an episode',
      readings: [{ at: T - 14 * S, heartRate: 60 }, ...lows, recovery],
      expect: [{ episodeStart: T, episodeEnd: null }, { episodeStart: T, episodeEnd: T + 9 * MIN + 55 * S, data: { endedBy: 'recovered', durationMinutes: 10 } }],
    }],
  });
});

describe('bradycardia options', () => {
  ruleTester(bradycardia, {
    options: { belowBpm: 40, durationMs: MIN, ignoreActivities: ['sleep'] },
    valid: [{ readings: run(45, 10) }, { readings: run(35, 10, { activity: 'sleep' }) }],
    invalid: [{ readings: run(39, 7), expect: [{ episodeStart: T, episodeEnd: null, data: { thresholdBpm: 40, minutes: 1 } }] }],
  });
});
