// The simulator's schedule and labels: determinism, shares, timestamp formats, scale and options.
import { describe, expect, it } from 'vitest';
import { createSimulator, simulatorOptionsFromConfig } from './simulator.js';
import { simulateSpan } from './span.js';
import { parseWireReading } from './wire-format-reference.js';
import type { SimMessage } from './types.js';
import type { AppConfig } from '../config.js';

const START = Date.UTC(2026, 10, 23, 7, 40);
const HOUR = 3_600_000;

function span(seed: number, batchSize: number): SimMessage[] {
  const all: SimMessage[] = [];
  for (const batch of simulateSpan({ customers: 200, seed, startMs: START, durationMs: HOUR, intervalMs: 5000, batchSize, anomalyShare: 0.2, faultShare: 0.1, malformedShare: 0.05, outOfRangeShare: 0.05 })) {
    all.push(...batch.messages);
  }
  return all;
}

const bytesOf = (messages: SimMessage[]) => Buffer.concat(messages.flatMap((m) => [Buffer.from(m.key), m.value]));

describe('simulator', () => {
  it('gives byte-identical messages for the same seed, whatever the batch size, and different ones for another seed', () => {
    const a = span(7, 10_000);
    const b = span(7, 333);
    expect(a.length).toBeGreaterThan(100_000);
    expect(bytesOf(b).equals(bytesOf(a))).toBe(true);
    expect(b.map((m) => m.kind)).toEqual(a.map((m) => m.kind));
    const c = span(8, 10_000);
    expect(bytesOf(c).equals(bytesOf(a))).toBe(false);
  });

  it('keys every message by its customer and gives every customer one reading per interval', () => {
    const sim = createSimulator({ customers: 1000, rate: 1000, seed: 1, startMs: START, faultShare: 0, devices: 'ideal' });
    const batch = sim.nextBatch(START + 9_999, 100_000);
    expect(batch).toHaveLength(10_000);
    expect(sim.intervalMs).toBe(1000);
    const perCustomer = new Map<string, number[]>();
    for (const m of batch) {
      const times = perCustomer.get(m.key) ?? [];
      times.push(m.eventTime);
      perCustomer.set(m.key, times);
      if (m.kind === 'valid') expect(parseWireReading(m.value)?.customerId).toBe(m.key);
    }
    expect(perCustomer.size).toBe(1000);
    for (const times of perCustomer.values()) {
      expect(times).toHaveLength(10);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(999);
    }
    expect(batch.map((m) => m.eventTime)).toEqual([...batch.map((m) => m.eventTime)].sort((x, y) => x - y));
  });

  it('produces out-of-range and malformed messages at the configured shares, and epoch timestamps at about 10%', () => {
    const sim = createSimulator({ customers: 500, rate: 500, seed: 3, startMs: START, outOfRangeShare: 0.03, malformedShare: 0.07, faultShare: 0, devices: 'ideal' });
    const batch = sim.nextBatch(START + 200_000, 1_000_000);
    const share = (kind: SimMessage['kind']) => batch.filter((m) => m.kind === kind).length / batch.length;
    expect(batch.length).toBe(100_001);
    expect(share('out_of_range')).toBeCloseTo(0.03, 2);
    expect(share('malformed')).toBeCloseTo(0.07, 2);
    const valid = batch.filter((m) => m.kind === 'valid');
    const epoch = valid.filter((m) => /"timestamp":\d/.test(m.value.toString())).length / valid.length;
    expect(epoch).toBeGreaterThan(0.08);
    expect(epoch).toBeLessThan(0.12);
    expect(valid.filter((m) => parseWireReading(m.value)?.eventTime !== m.eventTime)).toEqual([]);
  });

  it('handles 100,000 customers: one batch reaches every customer', () => {
    const sim = createSimulator({ customers: 100_000, rate: 10_000, seed: 5, startMs: START, devices: 'ideal' });
    const batch = sim.nextBatch(START + 9_999.9, 200_000);
    const customers = new Set(batch.map((m) => m.key));
    expect(customers.size).toBeGreaterThan(99_000);
    expect(customers.has('CUST-99999')).toBe(true);
    expect(batch.filter((m) => m.kind === 'valid').every((m) => m.heartRate >= 20 && m.heartRate <= 250)).toBe(true);
  });

  it('rejects options out of range with a config error', () => {
    expect(() => createSimulator({ customers: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', key: 'simulator.customers' }));
    expect(() => createSimulator({ malformedShare: 0.7, outOfRangeShare: 0.5 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createSimulator({ rate: 0 })).toThrow(expect.objectContaining({ key: 'simulator.rate' }));
  });

  it('takes its options from the simulator.* config keys', () => {
    const config = { enabled: true, customers: 12, rate: 6, seed: 9, anomalyShare: 0.1, faultShare: 0.2, outOfRangeShare: 0.01, malformedShare: 0.02, episodeLog: '', devices: 'ideal' } satisfies AppConfig['simulator'];
    const sim = createSimulator({ ...simulatorOptionsFromConfig(config), startMs: START });
    expect(sim.customers).toBe(12);
    expect(sim.intervalMs).toBe(2000);
    expect(simulatorOptionsFromConfig({ ...config, devices: 'consumer' }).devices).toBe('consumer');
    expect(() => createSimulator({ devices: 'perfect' as never })).toThrow(expect.objectContaining({ key: 'simulator.devices' }));
  });
});
