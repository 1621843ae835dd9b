import { describe, expect, it } from 'vitest';
import { AlertPolicy, groupAlerts } from './alert-policy.js';

const MIN = 60_000;
const a = (customerId: string, rule: string, eventTime: number) => ({ customerId, rule, eventTime });

describe('AlertPolicy', () => {
  it('publishes the first anomaly of a customer and rule, suppresses repeats within the cool-down', () => {
    const gate = new AlertPolicy(5 * MIN);
    const first = gate.decide([a('c1', 'tachycardia', 0), a('c1', 'tachycardia', 1000), a('c1', 'bradycardia', 2000), a('c2', 'tachycardia', 3000)]);
    expect(first.publish.map((x) => `${x.customerId}/${x.rule}`)).toEqual(['c1/tachycardia', 'c1/bradycardia', 'c2/tachycardia']);
    expect(first.suppress).toHaveLength(1);
  });

  it('keeps an ongoing stream quiet: the cool-down runs from the latest anomaly, not the last alert', () => {
    const gate = new AlertPolicy(5 * MIN);
    const published = [0, 4, 8, 12].flatMap((m) => gate.decide([a('c1', 'r', m * MIN)]).publish);
    expect(published).toHaveLength(1);
    // A gap longer than the cool-down: a new episode alerts again.
    expect(gate.decide([a('c1', 'r', 18 * MIN)]).publish).toHaveLength(1);
  });

  it('with no cool-down publishes everything', () => {
    const gate = new AlertPolicy(0);
    expect(gate.decide([a('c1', 'r', 0), a('c1', 'r', 0)]).publish).toHaveLength(2);
  });
});

describe('groupAlerts', () => {
  const p = (rule: string, at: number, customerId = 'c1') => ({ customerId, rule, eventTime: at, start: at, end: at, detectedAt: at });

  it('is one alert per cool-down chain: a reading every 10 s for 20 minutes alerts once, the next one after a quiet 5 minutes alerts again', () => {
    const run = Array.from({ length: 120 }, (_, i) => p('tachycardia', i * 10_000));
    const groups = groupAlerts([...run, p('tachycardia', 1190_000 + 5 * MIN), p('tachycardia', 0, 'c2')], 5 * MIN);
    expect(groups.map((g) => [g.customerId, g.start, g.end, g.anomalies])).toEqual([
      ['c1', 0, 1190_000, 120], ['c1', 1190_000 + 5 * MIN, 1190_000 + 5 * MIN, 1], ['c2', 0, 0, 1],
    ]);
  });

  it('an episode starting within the cool-down of the previous one is suppressed and extends its alert', () => {
    const e = (start: number, end: number) => ({ customerId: 'c1', rule: 'tachycardia', eventTime: start, start, end, detectedAt: start + 10 * MIN });
    const groups = groupAlerts([e(0, 12 * MIN), e(14 * MIN, 30 * MIN)], 15 * MIN);
    expect(groups).toEqual([{ customerId: 'c1', rule: 'tachycardia', start: 0, end: 30 * MIN, detectedAt: 10 * MIN, anomalies: 2 }]);
  });
});
