// Every malformed kind is produced, labelled, and breaks the wire format; valid and
// out-of-range messages follow it.
import { describe, expect, it } from 'vitest';
import { DecodeFailure, DEFAULT_DECODE_POLICY, decodeReading } from '../core/decode.js';
import { MALFORMED_KINDS, malformedReason } from './malformed.js';
import { createSimulator } from './simulator.js';
import { inRange, parseWireReading } from './wire-format-reference.js';

const START = Date.UTC(2026, 10, 23, 12, 0);

describe('malformed and out-of-range messages', () => {
  const sim = createSimulator({ customers: 300, rate: 1000, seed: 17, startMs: START, malformedShare: 0.2, outOfRangeShare: 0.05 });
  const batch = sim.nextBatch(START + 60_000, 1_000_000);

  it('produces every malformed kind, each one failing the wire format', () => {
    const malformed = batch.filter((m) => m.kind === 'malformed');
    const seen = new Set(malformed.map((m) => m.malformedKind));
    expect([...seen].sort()).toEqual([...MALFORMED_KINDS].sort());
    expect(malformed.filter((m) => parseWireReading(m.value) !== null).map((m) => `${m.malformedKind}: ${m.value.toString()}`)).toEqual([]);
    expect(malformed.every((m) => m.key.startsWith('CUST-'))).toBe(true);
  });

  it('labels each malformed message with the reason the worker decoder rejects it with', () => {
    const mismatched = batch.filter((m) => m.kind === 'malformed').flatMap((m) => {
      const result = decodeReading(m.value, m.eventTime, DEFAULT_DECODE_POLICY);
      const reason = result instanceof DecodeFailure ? result.reason : 'accepted';
      return reason === malformedReason(m.malformedKind!) ? [] : [`${m.malformedKind} -> ${reason}: ${m.value.toString()}`];
    });
    expect(mismatched).toEqual([]);
  });

  it('makes out-of-range messages well-formed but outside 20..250 bpm, and valid ones inside', () => {
    const outOfRange = batch.filter((m) => m.kind === 'out_of_range');
    expect(outOfRange.length).toBeGreaterThan(1000);
    const parsed = outOfRange.map((m) => parseWireReading(m.value));
    expect(parsed.every((r) => r !== null && !inRange(r.heartRate))).toBe(true);
    expect(parsed.some((r) => r!.heartRate < 20) && parsed.some((r) => r!.heartRate > 250)).toBe(true);
    const bad = batch.filter((m) => m.kind === 'valid').filter((m) => {
      const r = parseWireReading(m.value);
      return r === null || !inRange(r.heartRate) || r.heartRate !== m.heartRate || r.customerId !== m.key;
    });
    expect(bad).toEqual([]);
  });
});
