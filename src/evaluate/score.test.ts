// Tests of the scorer on hand-made replays: the alert policy's cool-down making alerts, matching to
// injected episodes (inside counts, outside or after the end is false), recall eligibility, delay,
// the targets, and the report formats.
import { describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../simulator/types.js';
import type { Detection, ReplayResult } from './replay.js';
import { formatTable, toJsonLine } from './report.js';
import type { RuleSpec } from './rule-specs.js';
import { alertsOf, score } from './score.js';
import { TrafficProfile } from './traffic-profile.js';

const T = Date.parse('2026-11-23T00:00:00Z');
const S = 1000, MIN = 60 * S, DAY = 24 * 60 * MIN;

const point = (rule: string, at: number, customerId = 'C1'): Detection => ({ customerId, rule, eventTime: at, detectedAt: at });
const episode = (rule: string, start: number, end: number | undefined, detectedAt: number, customerId = 'C1'): Detection =>
  ({ customerId, rule, eventTime: start, detectedAt, episodeStart: start, ...(end === undefined ? {} : { episodeEnd: end }) });
const injected = (kind: EpisodeRecord['kind'], start: number, end: number, customerId = 'C1'): EpisodeRecord => ({ customerId, kind, start, end });

const spec = (rule: string, over: Partial<RuleSpec> = {}): RuleSpec => ({
  rule, matches: [rule as EpisodeRecord['kind']], windowMs: 0, delayLimitMs: 5 * S, recallTarget: 0.99, recallTargetWithoutMovement: 0.9, scored: true, ...over,
});
const TEN_MINUTES = spec('tachycardia', { windowMs: 10 * MIN, delayLimitMs: 10 * MIN + 5 * S });

const replayOf = (detections: Detection[], episodes: EpisodeRecord[], customers = 1): ReplayResult =>
  ({ startMs: T, endMs: T + DAY, customers, messages: 8640, rejects: 0, detections, episodes, traffic: new TrafficProfile().figures() });

describe('alertsOf', () => {
  it('alerts as the pipeline does: one per customer and rule until the cool-down passes with no anomaly', () => {
    // Every 10 s for 4 minutes, then one 4 min 50 s after the last (still within the 5-minute
    // cool-down): one alert. Then one more than 5 minutes after: a second alert. Another customer: its own.
    const ds = [...Array.from({ length: 25 }, (_, i) => point('tachycardia', T + i * 10 * S)), point('tachycardia', T + 530 * S),
      point('tachycardia', T + 900 * S), point('tachycardia', T + 10 * S, 'C2')];
    const alerts = alertsOf(ds, T + DAY, 5 * MIN);
    expect(alerts.map((a) => [a.customerId, a.start - T, a.end - T, a.anomalies])).toEqual([
      ['C1', 0, 530 * S, 26], ['C1', 900 * S, 900 * S, 1], ['C2', 10 * S, 10 * S, 1],
    ]);
  });

  it('makes one alert per reported episode; an open one lasts to the end of the span', () => {
    const alerts = alertsOf([episode('tachycardia', T, undefined, T + 10 * MIN)], T + DAY, 5 * MIN);
    expect(alerts).toEqual([{ customerId: 'C1', rule: 'tachycardia', start: T, end: T + DAY, detectedAt: T + 10 * MIN, anomalies: 1 }]);
  });
});

describe('score', () => {
  it('counts an alert inside an injected episode as a detection, with its delay, and one outside as false', () => {
    const e = score(replayOf(
      [point('tachycardia', T + 10 * S), point('tachycardia', T + 20 * S), point('tachycardia', T + 5 * 60 * MIN)],
      [injected('tachycardia', T, T + 3 * MIN)],
    ), [spec('tachycardia')]);
    const r = e.rules[0]!;
    expect(r).toMatchObject({ anomalies: 3, alerts: 2, falseAlerts: 1, injected: 1, detected: 1, recall: 1, medianDelayMs: 10 * S });
    expect(e.falsePerCustomerDay).toBe(1);
    expect(e.passed).toBe(false); // the delay, 10 s, is over the 5 s limit
    expect(e.missed).toEqual(['tachycardia: median delay 10 s > 5 s']);
  });

  it('matches only the kinds the rule is meant for, and only the same customer', () => {
    const e = score(replayOf(
      [point('tachycardia', T + MIN), point('tachycardia', T + MIN, 'C2')],
      [injected('bradycardia', T, T + 3 * MIN), injected('tachycardia', T, T + 3 * MIN, 'C3')],
      3,
    ), [spec('tachycardia')]);
    expect(e.rules[0]).toMatchObject({ alerts: 2, falseAlerts: 2, detected: 0, recall: 0 });
  });

  it('accepts an alert opening a little before the episode, not one opening after it ended', () => {
    const loss = spec('signal-loss', { windowMs: 90 * S, delayLimitMs: 95 * S });
    const e = score(replayOf(
      // Dated from the last reading (10 s before the silence), reported 80 s after it began.
      [episode('signal-loss', T - 10 * S, T + 5 * MIN, T + 80 * S), episode('signal-loss', T + 5 * MIN + 8 * S, T + 6 * MIN, T + 7 * MIN)],
      [injected('signal-loss', T, T + 5 * MIN)],
    ), [loss]);
    expect(e.rules[0]).toMatchObject({ alerts: 2, falseAlerts: 1, detected: 1, medianDelayMs: 80 * S, maxDelayMs: 80 * S });
  });

  it('takes the delay of an episode rule from when it was emitted, and leaves out episodes it could not have caught', () => {
    const e = score(replayOf(
      [episode('tachycardia', T, T + 20 * MIN, T + 10 * MIN + 2 * S)],
      [
        injected('tachycardia', T, T + 20 * MIN),
        injected('tachycardia', T + 2 * 60 * MIN, T + 2 * 60 * MIN + 9 * MIN), // shorter than the window
        injected('tachycardia', T + 3 * 60 * MIN, T + 3 * 60 * MIN + 10 * MIN + 10 * S), // too short for readings 15 s apart to show the window
        injected('tachycardia', T + DAY - 5 * MIN, T + DAY), // the span ends before the window
      ],
    ), [TEN_MINUTES]);
    expect(e.rules[0]).toMatchObject({ injected: 1, detected: 1, recall: 1, medianDelayMs: 10 * MIN + 2 * S, falseAlerts: 0 });
    expect(e.passed).toBe(true);
  });

  it('misses the recall target when an episode goes undetected, and the false-alert target above 1 per customer-day', () => {
    const episodes = Array.from({ length: 10 }, (_, i) => injected('bradycardia', T + i * 60 * MIN, T + i * 60 * MIN + 3 * MIN));
    const detections = episodes.slice(1).map((ep) => point('bradycardia', ep.start));
    detections.push(point('bradycardia', T + 20 * 60 * MIN), point('bradycardia', T + 21 * 60 * MIN));
    const e = score(replayOf(detections, episodes), [spec('bradycardia')]);
    expect(e.rules[0]).toMatchObject({ injected: 10, detected: 9, recall: 0.9, falseAlerts: 2, medianDelayMs: 0 });
    expect(e.missed).toEqual(['bradycardia: recall 0.900 < 0.99 on devices that report movement', 'false alerts 2.00 per customer-day > 1']);
  });

  it('scores recall apart on devices that report no movement, against their own target', () => {
    const none = (start: number, customerId: string): EpisodeRecord => ({ ...injected('tachycardia', start, start + 3 * MIN, customerId), movement: 'none' });
    const labelled: EpisodeRecord = { ...injected('tachycardia', T, T + 3 * MIN), movement: 'activity' };
    const episodes = [labelled, ...Array.from({ length: 10 }, (_, i) => none(T + i * 60 * MIN, `N${i}`))];
    // The labelled one and 9 of the 10 without movement are caught: 0.9 meets the 0.9 target ...
    const caught = [point('tachycardia', T), ...episodes.slice(2).map((ep) => point('tachycardia', ep.start, ep.customerId))];
    const e = score(replayOf(caught, episodes, 11), [spec('tachycardia')]);
    expect(e.rules[0]).toMatchObject({ recallWithMovement: 1, recallWithoutMovement: 0.9 });
    expect(e.missed).toEqual([]);
    // ... 8 of 10 does not.
    const fewer = score(replayOf(caught.slice(0, -1), episodes, 11), [spec('tachycardia')]);
    expect(fewer.rules[0]).toMatchObject({ recallWithMovement: 1, recallWithoutMovement: 0.8 });
    expect(fewer.missed).toEqual(['tachycardia: recall 0.800 < 0.9 on devices that report no movement']);
  });

  it('reports an unscored rule without counting its alerts as false, and flatlines overlapped by any alert', () => {
    const e = score(replayOf(
      [point('resting-high', T + MIN), point('tachycardia', T + MIN)],
      [injected('flatline', T, T + 5 * MIN), injected('flatline', T + 60 * MIN, T + 65 * MIN)],
    ), [spec('resting-high', { matches: [], recallTarget: null, scored: false }), spec('tachycardia')]);
    expect(e.rules[0]).toMatchObject({ rule: 'resting-high', alerts: 1, falseAlerts: 0, recall: null });
    expect(e.rules[1]).toMatchObject({ falseAlerts: 1 });
    expect(e.flatline).toEqual({ injected: 2, overlapped: 1 });
  });
});

describe('report', () => {
  it('prints a table with a row per rule and the verdict, and one JSON line with the same figures', () => {
    const e = score(replayOf([point('tachycardia', T)], [injected('tachycardia', T, T + 3 * MIN)]), [spec('tachycardia')]);
    const table = formatTable(e);
    expect(table).toMatch(/^tachycardia +tachycardia +1 +1 +1\.000 +1\.000 ok +- /m);
    expect(table).toContain('All targets met.');
    expect(table).toContain('less than 300 s (alerts.cooldownMs) after the previous one is not alerted again');
    const line = toJsonLine(e);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toMatchObject({ passed: true, rules: [{ rule: 'tachycardia', recall: 1, recallWithMovement: 1, recallWithoutMovement: null, falseAlerts: 0, medianDelayMs: 0 }] });
  });
});
