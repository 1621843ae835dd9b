// Consumer devices as the recordings show them: readings 5, 10 or 15 s apart, spells off the wrist
// every day, and what each device says about movement (a label, a step count, or nothing).
import { describe, expect, it } from 'vitest';
import { parseWireReading } from './wire-format-reference.js';
import { simulateSpan } from './span.js';
import type { SimMessage } from './types.js';

const START = Date.UTC(2026, 10, 23, 0, 0);
const DAYS = 2;
const CUSTOMERS = 60;

const byCustomer = new Map<string, SimMessage[]>();
for (const batch of simulateSpan({ customers: CUSTOMERS, seed: 8, startMs: START, durationMs: DAYS * 86_400_000, intervalMs: 8_800, malformedShare: 0, outOfRangeShare: 0 })) {
  for (const m of batch.messages) {
    const list = byCustomer.get(m.key);
    if (list) list.push(m); else byCustomer.set(m.key, [m]);
  }
}
const gaps = [...byCustomer.values()].flatMap((series) => series.slice(1).map((m, k) => m.eventTime - series[k]!.eventTime));
const customerDays = CUSTOMERS * DAYS;

describe('consumer devices', () => {
  it('send readings 5, 10 or 15 s apart while worn, in about the recordings\' ratio 48 : 28 : 24', () => {
    const worn = gaps.filter((g) => g <= 15_001);
    const share = (s: number) => worn.filter((g) => Math.abs(g - s * 1000) <= 1).length / worn.length;
    expect(share(5) + share(10) + share(15)).toBeCloseTo(1, 5);
    expect(share(5)).toBeCloseTo(0.48, 1);
    expect(share(10)).toBeCloseTo(0.28, 1);
    expect(share(15)).toBeCloseTo(0.24, 1);
  });

  it('are off the wrist every day: a few short spells, some long ones, nights on the charger', () => {
    const perDay = (from: number, to: number) => gaps.filter((g) => g > from && g <= to).length / customerDays;
    expect(perDay(60_000, 5 * 60_000)).toBeGreaterThan(1);
    expect(perDay(5 * 60_000, 3_600_000)).toBeGreaterThan(0.5);
    expect(perDay(3_600_000, Infinity)).toBeGreaterThan(0.4);
    expect(perDay(3_600_000, Infinity)).toBeLessThan(2);
  });

  it('report movement as a label (about a third), a step count (about a sixth), or not at all (about half)', () => {
    const kinds = [...byCustomer.values()].map((series) => {
      const readings = series.map((m) => parseWireReading(m.value)!);
      if (readings.every((r) => r.activity !== undefined && r.steps === undefined)) return 'label';
      if (readings.every((r) => r.steps !== undefined && r.activity === undefined)) return 'steps';
      return readings.every((r) => r.activity === undefined && r.steps === undefined) ? 'none' : 'mixed';
    });
    const share = (k: string) => kinds.filter((x) => x === k).length / kinds.length;
    expect(share('mixed')).toBe(0);
    expect(share('none')).toBeGreaterThan(0.35);
    expect(share('label')).toBeGreaterThan(0.2);
    expect(share('steps')).toBeGreaterThan(0.05);
  });

  it('count steps as a pedometer would: none asleep, a few at rest, about a hundred a minute walking', () => {
    const counted = [...byCustomer.values()].flat().filter((m) => m.kind === 'valid' && m.injected !== true)
      .map((m) => ({ activity: m.activity, steps: parseWireReading(m.value)!.steps })).filter((r) => r.steps !== undefined);
    expect(counted.length).toBeGreaterThan(1000);
    for (const { activity, steps } of counted) {
      if (activity === 'sleep') expect(steps).toBe(0);
      if (activity === 'rest') expect(steps).toBeLessThanOrEqual(8);
      if (activity === 'walk') expect(steps).toBeGreaterThanOrEqual(85);
    }
  });
});
