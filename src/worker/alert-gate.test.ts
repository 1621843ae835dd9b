import { describe, expect, it } from 'vitest';
import { AlertGate } from './alert-gate.js';

const MIN = 60_000;
const a = (customerId: string, rule: string, eventTime: number) => ({ customerId, rule, eventTime });

describe('AlertGate', () => {
  it('publishes the first anomaly of a customer and rule, suppresses repeats within the cool-down', () => {
    const gate = new AlertGate(5 * MIN);
    const first = gate.decide([a('c1', 'tachycardia', 0), a('c1', 'tachycardia', 1000), a('c1', 'bradycardia', 2000), a('c2', 'tachycardia', 3000)]);
    expect(first.publish.map((x) => `${x.customerId}/${x.rule}`)).toEqual(['c1/tachycardia', 'c1/bradycardia', 'c2/tachycardia']);
    expect(first.suppress).toHaveLength(1);
  });

  it('keeps an ongoing stream quiet: the cool-down runs from the latest anomaly, not the last alert', () => {
    const gate = new AlertGate(5 * MIN);
    const published = [0, 4, 8, 12].flatMap((m) => gate.decide([a('c1', 'r', m * MIN)]).publish);
    expect(published).toHaveLength(1);
    // A gap longer than the cool-down: a new episode alerts again.
    expect(gate.decide([a('c1', 'r', 18 * MIN)]).publish).toHaveLength(1);
  });

  it('with no cool-down publishes everything', () => {
    const gate = new AlertGate(0);
    expect(gate.decide([a('c1', 'r', 0), a('c1', 'r', 0)]).publish).toHaveLength(2);
  });
});
