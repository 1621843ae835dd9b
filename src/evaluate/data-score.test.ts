// The real-data scorer on hand-made detections: customer-days, alerts by the pipeline's cool-down,
// the share of customer-days alerted (by the day the alert reached the person), and the targets.
import { describe, expect, it } from 'vitest';
import { TrafficProfile } from './traffic-profile.js';
import { customerDayOf, type RecordingsResult } from './recordings.js';
import type { Detection } from './replay.js';
import { scoreData } from './data-score.js';

const T = Date.parse('2016-04-12T00:00:00Z');
const MIN = 60_000, DAY = 86_400_000;
const point = (rule: string, at: number, customerId = 'A'): Detection => ({ customerId, rule, eventTime: at, detectedAt: at });

function result(detections: Detection[], days: Array<[string, number]>): RecordingsResult {
  return {
    readings: 1000, customers: 2, skipped: 0, customerDays: new Set(days.map(([c, t]) => customerDayOf(c, t))), variants: [{ detections, rejects: 0 }],
    traffic: new TrafficProfile().figures(),
  };
}

describe('scoreData', () => {
  // A wore the band on two UTC days, B on two: four customer-days. Several readings per day do not add days.
  const days: Array<[string, number]> = [['A', T], ['A', T + 5 * MIN], ['A', T + DAY], ['B', T + 2 * DAY], ['B', T + 3 * DAY + 23 * 60 * MIN]];

  it('counts per customer-day: rows as stored, alerts after the cool-down, and the days a person was alerted', () => {
    // A: tachycardia every minute for 10 min on day 1 (one alert), and once on day 2; B: one bradycardia reading.
    const ds = [...Array.from({ length: 10 }, (_, i) => point('tachycardia', T + i * MIN)), point('tachycardia', T + DAY + 3 * MIN), point('bradycardia', T + 2 * DAY, 'B')];
    const d = scoreData(result(ds, days), 0, ['bradycardia', 'tachycardia', 'signal-loss'], { files: ['x.csv'], cooldownMs: 5 * MIN });
    expect(d.customerDays).toBe(4);
    expect(d.rules).toEqual([
      { rule: 'bradycardia', rows: 1, alerts: 1, rowsPerCustomerDay: 0.25, alertsPerCustomerDay: 0.25, alertedDayShare: 0.25 },
      { rule: 'tachycardia', rows: 11, alerts: 2, rowsPerCustomerDay: 2.75, alertsPerCustomerDay: 0.5, alertedDayShare: 0.5 },
      { rule: 'signal-loss', rows: 0, alerts: 0, rowsPerCustomerDay: 0, alertsPerCustomerDay: 0, alertedDayShare: 0 },
    ]);
    expect(d.total).toMatchObject({ rows: 12, alerts: 3, alertsPerCustomerDay: 0.75, alertedDayShare: 0.75 });
    expect(d.missed).toEqual(['recordings: 0.75 alerts per customer-day > 0.5']);
  });

  it('meets the targets at 0.5 alerts and 5 rows per customer-day', () => {
    const ds = [point('tachycardia', T), point('tachycardia', T + DAY)];
    expect(scoreData(result(ds, days), 0, ['tachycardia'], { files: [], cooldownMs: 5 * MIN }).missed).toEqual([]);
  });
});
