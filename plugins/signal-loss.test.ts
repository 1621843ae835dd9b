// Tests of signal-loss: by default only a silence after an abnormal reading counts; in continuous
// mode every one: the 60/61 s boundary, the timer raising the anomaly as other customers advance
// the watermark, the end when readings resume, out-of-order and late readings, options.
import { describe } from 'vitest';
import signalLoss from './signal-loss.js';
import { ruleTester, type TestReading } from '../src/rules/tester.js';

const T = Date.parse('2026-11-23T07:40:00Z');
const S = 1000;
/** Readings of one customer at the given seconds after T (70 bpm, or `heartRate`). */
const at = (customerId: string, seconds: number[], heartRate = 70, extra: Partial<TestReading> = {}): TestReading[] =>
  seconds.map((s) => ({ ...extra, at: T + s * S, heartRate, customerId }));
const range = (from: number, to: number, step = 10) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
/** Interleaves readings by event time, as a partition would receive them. */
const merged = (...lists: TestReading[][]) => lists.flat().sort((a, b) => Number(a.at) - Number(b.at));

describe('signal-loss by default: only after a minute of abnormal readings', () => {
  const minute = range(0, 60);
  ruleTester(signalLoss, {
    valid: [
      { name: 'the watch taken off at 70 bpm', readings: merged(at('A', minute), at('B', range(0, 300))) },
      { name: 'the watch taken off at 140 bpm while exercising', readings: merged(at('A', minute, 140, { activity: 'exercise' }), at('B', range(0, 300))) },
      { name: 'the watch taken off at 140 bpm with 120 steps a minute', readings: merged(at('A', minute, 140, { steps: 120 }), at('B', range(0, 300))) },
      { name: 'exactly 50 and 110 bpm are not abnormal', readings: merged(at('A', minute, 50), at('C', minute, 110), at('B', range(0, 300))) },
      { name: 'abnormal for 50 s only', readings: merged(at('A', [0], 70), at('A', range(10, 60), 140), at('B', range(0, 300))) },
      { name: 'abnormal before an earlier silence does not count after it', readings: merged(at('A', [0, 30, 100, 130], 140, { activity: 'rest' }), at('B', range(0, 300))) },
      {
        // The most common silence of a consumer watch: taken off straight after a run. Without
        // steps or a label, a gradual climb (80 to 148 bpm over three minutes) is taken for exercise.
        name: 'the watch taken off after a workout on a device that reports no movement',
        readings: merged(range(0, 170).map((s, i) => ({ at: T + s * S, heartRate: 80 + 4 * i, customerId: 'A' })), at('A', range(180, 300), 140), at('B', range(0, 600))),
      },
    ],
    invalid: [
      {
        name: 'silent after a minute below 50 bpm',
        readings: merged(at('A', minute, 49), at('B', range(0, 300))),
        expect: [{ customerId: 'A', episodeStart: T + 60 * S, episodeEnd: null }],
      },
      {
        name: 'silent after an abrupt jump from 70 to 140 bpm on a device that reports no movement',
        readings: merged(at('A', range(0, 60), 70), at('A', range(70, 190), 140), at('B', range(0, 400))),
        expect: [{ customerId: 'A', episodeStart: T + 190 * S, episodeEnd: null }],
      },
      {
        name: 'silent after a minute above 110 bpm at rest, then readings resume',
        readings: merged(at('A', minute, 111, { activity: 'rest' }), at('A', [300]), at('B', range(0, 300))),
        expect: [{ customerId: 'A', episodeStart: T + 60 * S, episodeEnd: null }, { customerId: 'A', episodeEnd: T + 300 * S }],
      },
    ],
  });
});

ruleTester(signalLoss, {
  options: { mode: 'continuous' },
  valid: [
    { name: 'a steady stream', readings: at('A', range(0, 300)) },
    { name: 'a gap of exactly 60 s', readings: merged(at('A', [0, 10, ...range(70, 200)]), at('B', range(0, 200))) },
    { name: 'seen once is not streaming', readings: merged(at('A', [0]), at('B', range(0, 300))) },
    { name: 'an out-of-order reading is not a silence', readings: at('A', [0, 10, 30, 20, 40, 50]) },
  ],
  invalid: [
    {
      name: 'silent while another customer streams: raised by the timer, still open',
      readings: merged(at('A', [0, 10]), at('B', range(0, 200))),
      expect: [{ messageId: 'silent', severity: 'warning', customerId: 'A', eventTime: T + 10 * S, episodeStart: T + 10 * S, episodeEnd: null, data: { seconds: 60 } }],
    },
    {
      name: 'readings resume: the episode ends',
      readings: merged(at('A', [0, 10, 300, 310]), at('B', range(0, 310))),
      expect: [{ customerId: 'A', episodeStart: T + 10 * S, episodeEnd: null }, { customerId: 'A', episodeStart: T + 10 * S, episodeEnd: T + 300 * S }],
    },
    {
      name: 'a gap of 61 s that ends before the watermark passes it is one complete episode',
      readings: merged(at('A', [0, 10, ...range(71, 201)]), at('B', range(0, 200))),
      expect: [{ customerId: 'A', episodeStart: T + 10 * S, episodeEnd: T + 71 * S }],
    },
    {
      name: 'a late reading does not end the episode',
      readings: [...merged(at('A', [0, 10]), at('B', range(0, 200))), { at: T + 50 * S, heartRate: 70, customerId: 'A' }],
      late: [...merged(at('A', [0, 10]), at('B', range(0, 200))).map(() => false), true],
      expect: [{ customerId: 'A', episodeEnd: null }],
    },
  ],
});

describe('signal-loss closes a silence that outlasts closeAfterMs', () => {
  ruleTester(signalLoss, {
    options: { mode: 'continuous', closeAfterMs: 120_000 },
    valid: [{ name: 'a silence shorter than a minute', readings: merged(at('A', [0, 10, ...range(60, 300)]), at('B', range(0, 300))) }],
    invalid: [{
      name: 'silent for good: opened after 60 s, closed as expired at 120 s, not left open',
      readings: merged(at('A', [0, 10]), at('B', range(0, 300))),
      expect: [
        { customerId: 'A', episodeStart: T + 10 * S, episodeEnd: null },
        { customerId: 'A', episodeStart: T + 10 * S, episodeEnd: T + 130 * S, data: { endedBy: 'expired' } },
      ],
    }],
  });
});

describe('signal-loss options', () => {
  ruleTester(signalLoss, {
    options: { mode: 'continuous', silenceMs: 30_000, minReadings: 1, severity: 'critical' },
    valid: [{ readings: merged(at('A', [0, 30, 60]), at('B', range(0, 60))) }],
    invalid: [{
      name: 'one reading is enough; 31 s of silence',
      readings: merged(at('A', [0]), at('B', range(0, 100))),
      expect: [{ customerId: 'A', severity: 'critical', episodeStart: T, episodeEnd: null, data: { seconds: 30 } }],
    }],
  });
});
