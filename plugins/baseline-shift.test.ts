// Tests of baseline-shift: warm-up, the k boundary (z = 3 vs above), the minimum duration, episode
// end, ignored activities, readings without an activity, gaps, out-of-order and late readings,
// rebuilding a stale baseline, and options.
import { describe } from 'vitest';
import baselineShift from './baseline-shift.js';
import { repeat, ruleTester, series } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T09:00:00Z');
const S = 1000, MIN = 60_000;
const STEP = 15 * S;
/** Readings carry an activity: by default, readings without one are not judged. */
const REST = { activity: 'rest' } as const;
// 40 readings of exactly 70 bpm: mean 70, variance 0, so the floor of 3 bpm is the deviation.
const warm = series(T, STEP, repeat(70, 40), REST);
const after = (n: number) => T + (40 + n) * STEP;
/** `count` readings of `bpm` right after the warm-up. */
const then = (bpm: number, count: number, from = 0, extra: object = REST) => series(after(from), STEP, repeat(bpm, count), extra);

ruleTester(baselineShift, {
  valid: [
    { name: 'steady', readings: warm },
    { name: 'z = 3 exactly (79 bpm) is not beyond k', readings: [...warm, ...then(79, 30)] },
    { name: 'a deviation shorter than 5 minutes', readings: [...warm, ...then(95, 20), ...then(70, 3, 20)] },
    { name: 'no judgement during the warm-up', readings: [...series(T, STEP, repeat(70, 10), REST), ...series(T + 10 * STEP, STEP, repeat(120, 25), REST)] },
    { name: 'exercise neither counts nor builds the baseline', readings: [...warm, ...then(150, 40, 0, { activity: 'exercise' })] },
    { name: 'readings without an activity are not judged (an unreported walk looks like a shift)', readings: [...warm, ...then(90, 30, 0, {})] },
  ],
  invalid: [
    {
      name: '80 bpm (z 3.3) for 5 minutes, then back: one episode',
      readings: [...warm, ...then(80, 21), ...then(70, 1, 21)],
      expect: [
        { messageId: 'shift', severity: 'warning', episodeStart: after(0), episodeEnd: null, data: { direction: 'above', baselineBpm: 70, k: 3 } },
        { episodeStart: after(0), episodeEnd: after(20), data: { endedBy: 'recovered' } },
      ],
    },
    {
      name: 'a drop below the baseline',
      readings: [...warm, ...then(55, 21)],
      expect: [{ episodeStart: after(0), episodeEnd: null, data: { direction: 'below', peakZ: -5 } }],
    },
    {
      name: 'silence ends the episode (timer, as another customer streams)',
      readings: [...warm, ...then(90, 21), ...series(after(21), STEP, repeat(70, 15), { customerId: 'CUST-OTHER', ...REST })],
      expect: [{ customerId: 'CUST-TEST', episodeEnd: null }, { customerId: 'CUST-TEST', episodeEnd: after(20), data: { endedBy: 'gap' } }],
    },
    {
      name: 'out-of-order and late in-band readings do not end or reset the episode',
      readings: [...warm, ...then(90, 21), { at: after(20) - 5 * S, heartRate: 70, ...REST }, { at: after(2), heartRate: 70, ...REST }, ...then(90, 1, 21)],
      late: [...repeat(0, 61).map(() => false), false, true, false],
      expect: [{ episodeStart: after(0), episodeEnd: null }],
    },
  ],
});

// A baseline learnt during an episode "deviates" from then on: once no judged reading has matched it
// for rebaselineAfterMs, the episode ends and the baseline is rebuilt from the current readings.
describe('baseline-shift rebuilds a stale baseline', () => {
  ruleTester(baselineShift, {
    options: { rebaselineAfterMs: 10 * MIN },
    valid: [{ name: 'an ignored walk in between does not make it stale', readings: [...warm, ...then(70, 50, 0, { activity: 'walk' }), ...then(70, 5, 50)] }],
    invalid: [{
      name: '90 bpm for 10 minutes, then for good',
      readings: [...warm, ...then(90, 40), ...then(90, 60, 40)],
      expect: [
        { episodeStart: after(0), episodeEnd: null },
        { episodeStart: after(0), episodeEnd: after(39), data: { endedBy: 'rebaselined', baselineBpm: 70 } },
      ],
    }],
  });
});

describe('baseline-shift options', () => {
  ruleTester(baselineShift, {
    options: { k: 2, minSamples: 10, minDurationMs: MIN, minStdDevBpm: 5, ignoreActivities: [], severity: 'info' },
    valid: [{ readings: [...series(T, STEP, repeat(70, 10), REST), ...series(T + 10 * STEP, STEP, repeat(80, 10), REST)] }],
    invalid: [{
      readings: [...series(T, STEP, repeat(70, 10), REST), ...series(T + 10 * STEP, STEP, repeat(81, 5), { activity: 'exercise' })],
      expect: [{ severity: 'info', episodeStart: T + 10 * STEP, episodeEnd: null, data: { k: 2, minutes: 1 } }],
    }],
  });
  ruleTester(baselineShift, {
    options: { requireActivity: false },
    valid: [{ readings: [...series(T, STEP, repeat(70, 40)), ...series(after(0), STEP, repeat(90, 19))] }],
    invalid: [{
      name: 'readings without an activity are judged',
      readings: [...series(T, STEP, repeat(70, 40)), ...series(after(0), STEP, repeat(90, 21))],
      expect: [{ episodeStart: after(0), episodeEnd: null, data: { direction: 'above' } }],
    }],
  });
});
