// Scenario cases say what must happen to each payload, and the payloads agree; the bad corpus
// is large, varied, deterministic and entirely bad.
import { describe, expect, it } from 'vitest';
import { DecodeFailure, DEFAULT_DECODE_POLICY, decodeReading } from '../core/decode.js';
import { MALFORMED_KINDS, malformedReason, OUT_OF_RANGE_REASON } from './malformed.js';
import { badMessageCorpus, robustnessTraffic, scenarioCases, type ReadingLevel } from './scenario.js';
import { inRange, parseWireReading } from './wire-format-reference.js';

const BASE = Date.UTC(2026, 10, 23, 7, 40);

// The level table users are promised (README, issue): <40, 40-59, 60-100, 101-160, 161-200, >200.
function levelOf(bpm: number): ReadingLevel {
  if (bpm < 40) return 'critical_low';
  if (bpm < 60) return 'low';
  if (bpm <= 100) return 'normal';
  if (bpm <= 160) return 'elevated';
  if (bpm <= 200) return 'high';
  return 'critical_high';
}

describe('scenario cases', () => {
  const cases = scenarioCases(BASE);

  it('covers normal, low, high, critical, out-of-range and malformed payloads, one customer each', () => {
    expect(cases.filter((c) => c.expected.outcome === 'stored').length).toBeGreaterThanOrEqual(7);
    expect(cases.filter((c) => c.expected.outcome === 'rejected' && c.expected.reason === OUT_OF_RANGE_REASON)).toHaveLength(2);
    expect(cases.filter((c) => c.expected.outcome === 'rejected' && c.expected.reason !== OUT_OF_RANGE_REASON).length).toBeGreaterThanOrEqual(6);
    expect(new Set(cases.map((c) => c.key)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('makes stored cases well-formed, with the level their heart rate calls for and no anomaly (one reading is no episode)', () => {
    for (const c of cases.filter((x) => x.expected.outcome === 'stored')) {
      const reading = parseWireReading(c.value);
      expect(reading, c.name).not.toBeNull();
      expect(reading!.customerId).toBe(c.key);
      expect(reading!.eventTime).toBeGreaterThan(BASE);
      if (c.expected.outcome !== 'stored') continue;
      expect(c.expected.level, c.name).toBe(levelOf(reading!.heartRate));
      expect(c.expected.anomalies, c.name).toEqual([]);
    }
  });

  it('makes rejected cases fail the wire format with their reason, or the range when out of range', () => {
    for (const c of cases) {
      if (c.expected.outcome !== 'rejected') continue;
      const reading = parseWireReading(c.value);
      const decoded = decodeReading(c.value, BASE, DEFAULT_DECODE_POLICY);
      if (c.expected.reason === OUT_OF_RANGE_REASON) {
        expect(reading !== null && !inRange(reading.heartRate), c.name).toBe(true);
        expect(decoded, c.name).not.toBeInstanceOf(DecodeFailure);
      } else {
        expect(reading, c.name).toBeNull();
        expect(decoded instanceof DecodeFailure ? decoded.reason : 'accepted', c.name).toBe(c.expected.reason);
      }
    }
  });

  it('is the same for the same base time', () => {
    const again = scenarioCases(BASE);
    expect(again.map((c) => c.value.toString())).toEqual(cases.map((c) => c.value.toString()));
  });
});

describe('bad message corpus', () => {
  const corpus = badMessageCorpus({ count: 10_000, seed: 3, startMs: BASE });

  it('holds 10,000 bad messages of every kind, none of them a storable reading', () => {
    expect(corpus).toHaveLength(10_000);
    const kinds = new Set(corpus.map((m) => m.malformedKind ?? m.kind));
    expect([...kinds].sort()).toEqual([...MALFORMED_KINDS, 'out_of_range'].sort());
    const storable = corpus.filter((m) => {
      const reading = parseWireReading(m.value);
      return reading !== null && inRange(reading.heartRate);
    });
    expect(storable).toEqual([]);
    const wrongReason = corpus.filter((m) => {
      const decoded = decodeReading(m.value, m.eventTime, DEFAULT_DECODE_POLICY);
      return m.kind === 'malformed' && !(decoded instanceof DecodeFailure && decoded.reason === malformedReason(m.malformedKind!));
    });
    expect(wrongReason).toEqual([]);
  });

  it('is deterministic for a seed and differs for another', () => {
    const same = badMessageCorpus({ count: 10_000, seed: 3, startMs: BASE });
    const other = badMessageCorpus({ count: 10_000, seed: 4, startMs: BASE });
    const bytes = (list: typeof corpus) => Buffer.concat(list.map((m) => m.value));
    expect(bytes(same).equals(bytes(corpus))).toBe(true);
    expect(bytes(other).equals(bytes(corpus))).toBe(false);
  });

  it('mixes into valid traffic: every bad message once, among about validPerBad valid ones each', () => {
    const mixed = robustnessTraffic({ count: 10_000, seed: 3, startMs: BASE, validPerBad: 4 });
    const bad = mixed.filter((m) => m.kind !== 'valid');
    expect(bad).toHaveLength(10_000);
    expect(mixed.length - bad.length).toBe(40_000);
    // Spread through the traffic, not bunched at the end.
    expect(mixed.slice(0, 25_000).filter((m) => m.kind !== 'valid').length).toBeGreaterThan(4000);
  });
});
