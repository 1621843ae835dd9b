// Tests of tachycardia: the 110/111 boundary and the 10-minute duration, one episode with start,
// end and peak, activity from labels and steps, the onset inference for devices that send neither
// (abrupt from rest alerts, a gradual climb does not unless it outlasts a workout), gaps, out-of-order readings.
import { describe } from 'vitest';
import tachycardia from './tachycardia.js';
import { repeat, ruleTester, series } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:00:00Z');
const S = 1000, MIN = 60_000;
/** Five minutes at rest (70 bpm, 10 s apart) ending 10 s before T: a high rate at T is an abrupt onset. */
const rest = (extra = {}) => series(T - 5 * MIN, 10 * S, repeat(70, 30), extra);
/** The same five minutes ending 3 minutes before T, for a climb to follow. */
const restBeforeClimb = (extra = {}) => series(T - 8 * MIN, 10 * S, repeat(70, 30), extra);
/** From T, `n` readings 10 s apart at `bpm`. */
const run = (bpm: number, n: number, extra = {}) => series(T, 10 * S, repeat(bpm, n), extra);
/** A climb over 3 minutes from 70 to 130, ending just before T; it passes 110 at T - 1 minute. */
const climb = series(T - 3 * MIN, 10 * S, Array.from({ length: 18 }, (_, i) => 70 + Math.round((60 * i) / 17)));

ruleTester(tachycardia, {
  valid: [
    { name: '111 bpm for 9 min 50 s after an abrupt onset, then recovery', readings: [...rest(), ...run(111, 60), { at: T + 10 * MIN, heartRate: 80 }] },
    { name: 'exactly 110 bpm for 15 minutes', readings: [...rest(), ...run(110, 91)] },
    { name: '150 bpm for 15 minutes while exercising', readings: [...rest(), ...run(150, 91, { activity: 'exercise' })] },
    { name: '130 bpm for 15 minutes while walking', readings: [...rest(), ...run(130, 91, { activity: 'walk' })] },
    { name: '130 bpm for 15 minutes with 90 steps a minute', readings: [...rest({ steps: 0 }), ...run(130, 91, { steps: 90 })] },
    { name: 'no activity, no steps: 130 bpm for 30 minutes after a gradual climb (a workout)', readings: [...restBeforeClimb(), ...climb, ...run(130, 181)] },
    { name: 'a gap longer than 2 minutes breaks the run', readings: [...rest(), ...run(130, 36), ...series(T + 8 * MIN, 10 * S, repeat(130, 36))] },
    {
      name: 'no activity, no steps: one dropout reading of 70 during a workout does not make the climb back abrupt',
      readings: [...restBeforeClimb(), ...climb, { at: T, heartRate: 70 }, ...series(T + 10 * S, 10 * S, repeat(130, 70))],
    },
  ],
  invalid: [
    {
      name: 'abrupt onset from rest, 10 minutes above 110, then recovery: one episode, confirmed then ended',
      readings: [...rest(), ...run(125, 61), { at: T + 10 * MIN + 10 * S, heartRate: 75 }],
      expect: [
        { messageId: 'high', severity: 'warning', eventTime: T, episodeStart: T, episodeEnd: null, data: { thresholdBpm: 110, minutes: 10, onset: 'abrupt', peakBpm: 125 } },
        // 10 min of readings, plus half the 10 s from the last calm reading (the estimated crossing).
        { eventTime: T, episodeStart: T, episodeEnd: T + 10 * MIN, data: { endedBy: 'recovered', durationMinutes: 10.1 } },
      ],
    },
    {
      name: 'one episode for a long run, critical when its peak passes 150',
      readings: [...rest(), ...series(T, 10 * S, [140, 160, ...repeat(130, 178)]), { at: T + 30 * MIN, heartRate: 70 }],
      expect: [{ severity: 'critical', episodeEnd: null }, { severity: 'critical', episodeEnd: T + 179 * 10 * S, data: { peakBpm: 160 } }],
    },
    {
      name: 'the device says the wearer rests: alerts whatever the onset',
      readings: [...restBeforeClimb(), ...climb, ...run(130, 61, { activity: 'rest' })],
      expect: [{ episodeStart: T - MIN, episodeEnd: null, data: { onset: 'at-rest' } }],
    },
    {
      name: 'steps below 30 a minute: the wearer is inactive',
      readings: [...restBeforeClimb({ steps: 0 }), ...climb.map((r) => ({ ...r, steps: 100 })), ...run(130, 61, { steps: 5 })],
      expect: [{ episodeStart: T, episodeEnd: null, data: { onset: 'at-rest' } }],
    },
    {
      name: 'a gradual climb longer than a workout (2 hours) is reported',
      readings: [...restBeforeClimb(), ...climb, ...series(T, 60 * S, repeat(125, 121))],
      expect: [{ episodeStart: T - MIN, episodeEnd: null, data: { onset: 'gradual' } }],
    },
    {
      name: 'starting to exercise ends the episode',
      readings: [...rest(), ...run(130, 61), { at: T + 10 * MIN + 10 * S, heartRate: 150, activity: 'exercise' }],
      expect: [{ episodeEnd: null }, { episodeEnd: T + 10 * MIN, data: { endedBy: 'activity' } }],
    },
    {
      name: 'silence: the episode ends when other customers move the watermark past the gap',
      readings: [...rest(), ...run(130, 61), ...series(T + 10 * MIN + 10 * S, 30 * S, repeat(70, 6), { customerId: 'CUST-OTHER' })],
      expect: [{ customerId: 'CUST-TEST', episodeEnd: null }, { customerId: 'CUST-TEST', episodeEnd: T + 10 * MIN, data: { endedBy: 'gap' } }],
    },
  ],
});

describe('tachycardia with out-of-order readings (allowed lateness 5 minutes)', () => {
  ruleTester(tachycardia, {
    allowedLatenessMs: 5 * MIN,
    valid: [{
      name: 'an out-of-order normal reading inside the run restarts it',
      readings: [...rest(), ...run(130, 31), { at: T + 2 * MIN, heartRate: 80 }, ...series(T + 5 * MIN + 10 * S, 10 * S, repeat(130, 30))],
    }],
    invalid: [{
      name: 'an out-of-order high reading does not disturb the run',
      readings: [...rest(), ...run(130, 60), { at: T + 2 * MIN + 5 * S, heartRate: 135 }, { at: T + 10 * MIN, heartRate: 130 }],
      expect: [{ episodeStart: T, episodeEnd: null }],
    }],
  });
});

describe('tachycardia options', () => {
  ruleTester(tachycardia, {
    options: { aboveBpm: 100, durationMs: MIN, maxGapMs: 20 * S, exemptActivities: [], abruptOnsetMs: 60 * S },
    valid: [{ readings: [...rest(), ...series(T, 15 * S, repeat(100, 10))] }],
    invalid: [
      { readings: [...rest(), ...series(T, 15 * S, [101, 101, 101, 101, 101, 90])], expect: [{ episodeEnd: null, data: { minutes: 1 } }, { episodeEnd: T + MIN }] },
      { readings: [...rest(), ...series(T, 15 * S, repeat(150, 5), { activity: 'exercise' })], expect: [{ severity: 'warning', episodeStart: T, episodeEnd: null }] },
    ],
  });
});
