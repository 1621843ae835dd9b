// Tests of the input policy: every hostile input gets its specific reason, never an exception, and
// the hand-rolled check agrees with the zod schema (message-schema.ts) on every case.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_POLICY, DecodeFailure, decodeReading, parseTimestamp } from './decode.js';
import { decodeReadingWithZod, readingMessageSchema } from './message-schema.js';

const R = Date.parse('2026-11-23T07:41:00Z');
const ok = { customer_id: 'CUST-00042', timestamp: '2026-11-23T07:40:00.123Z', heart_rate: 72 };
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const schema = readingMessageSchema(DEFAULT_DECODE_POLICY);

const rejected: Array<[string, Buffer | null, string]> = [
  ['tombstone', null, 'empty_message'],
  ['empty value', Buffer.alloc(0), 'empty_message'],
  ['1 MB payload', Buffer.alloc(1 << 20, 0x20), 'too_large'],
  ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x13]), 'invalid_utf8'],
  ['truncated JSON', Buffer.from('{"customer_id":"CUST-1","heart_rate":7'), 'invalid_json'],
  ['NaN literal', Buffer.from('{"customer_id":"C","timestamp":1,"heart_rate":NaN}'), 'invalid_json'],
  ['array', json([ok]), 'not_an_object'],
  ['null JSON', Buffer.from('null'), 'not_an_object'],
  ['number JSON', Buffer.from('72'), 'not_an_object'],
  ['string JSON', json('{"heart_rate":72}'), 'not_an_object'],
  ['deeply nested', Buffer.from('['.repeat(8000) + ']'.repeat(8000)), 'not_an_object'],
  ['missing customer_id', json({ ...ok, customer_id: undefined }), 'missing_field:customer_id'],
  ['numeric customer_id', json({ ...ok, customer_id: 42 }), 'wrong_type:customer_id'],
  ['empty customer_id', json({ ...ok, customer_id: '' }), 'customer_id_invalid'],
  ['blank customer_id', json({ ...ok, customer_id: '   ' }), 'customer_id_invalid'],
  ['65-character customer_id', json({ ...ok, customer_id: 'C'.repeat(65) }), 'customer_id_invalid'],
  ['control character in customer_id', json({ ...ok, customer_id: 'CUST\u0000-1' }), 'customer_id_invalid'],
  ['bidi override in customer_id', json({ ...ok, customer_id: 'CUST\u202e1' }), 'customer_id_invalid'],
  ['missing heart_rate', json({ ...ok, heart_rate: undefined }), 'missing_field:heart_rate'],
  ['heart_rate as a string', json({ ...ok, heart_rate: '72' }), 'wrong_type:heart_rate'],
  ['heart_rate true', json({ ...ok, heart_rate: true }), 'wrong_type:heart_rate'],
  ['heart_rate null', json({ ...ok, heart_rate: null }), 'wrong_type:heart_rate'],
  ['heart_rate 75.5', json({ ...ok, heart_rate: 75.5 }), 'not_whole_number:heart_rate'],
  ['heart_rate 1e400 (Infinity)', Buffer.from('{"customer_id":"C","timestamp":1,"heart_rate":1e400}'), 'not_finite:heart_rate'],
  ['missing timestamp', json({ ...ok, timestamp: undefined }), 'missing_field:timestamp'],
  ['timestamp without zone', json({ ...ok, timestamp: '2026-11-23T07:40:00' }), 'timestamp_without_zone'],
  ['timestamp as a date only', json({ ...ok, timestamp: '2026-11-23' }), 'timestamp_invalid'],
  ['timestamp 30 February', json({ ...ok, timestamp: '2026-02-30T07:40:00Z' }), 'timestamp_invalid'],
  ['timestamp in words', json({ ...ok, timestamp: 'yesterday' }), 'timestamp_invalid'],
  ['fractional epoch ms', json({ ...ok, timestamp: 1795419600000.5 }), 'timestamp_invalid'],
  ['negative epoch ms (before 1970)', json({ ...ok, timestamp: -1 }), 'out_of_range:timestamp'],
  ['epoch ms past 9999-12-31', json({ ...ok, timestamp: Date.UTC(10000, 0, 1) }), 'out_of_range:timestamp'],
  ['epoch ms beyond the JS date range', json({ ...ok, timestamp: 8.64e15 + 1 }), 'out_of_range:timestamp'],
  ['epoch ms 1e300', Buffer.from('{"customer_id":"C","timestamp":1e300,"heart_rate":72}'), 'out_of_range:timestamp'],
  ['year 0026 (JS Date would read 1926)', json({ ...ok, timestamp: '0026-11-23T07:40:00Z' }), 'out_of_range:timestamp'],
  ['year 0070 (JS Date would read 1970)', json({ ...ok, timestamp: '0070-01-01T00:00:00.000Z' }), 'out_of_range:timestamp'],
  ['year 0000', json({ ...ok, timestamp: '0000-01-01T00:00:00+00:00' }), 'out_of_range:timestamp'],
  ['1969-12-31, the last ms before 1970', json({ ...ok, timestamp: '1969-12-31T23:59:59.999Z' }), 'out_of_range:timestamp'],
  ['1970-01-01 local time east of UTC (1969 in UTC)', json({ ...ok, timestamp: '1970-01-01T00:30:00+01:00' }), 'out_of_range:timestamp'],
  ['9999-12-31 local time west of UTC (10000 in UTC)', json({ ...ok, timestamp: '9999-12-31T23:30:00-01:00' }), 'out_of_range:timestamp'],
  ['timestamp object', json({ ...ok, timestamp: { ms: 1 } }), 'wrong_type:timestamp'],
  ['numeric device_id', json({ ...ok, device_id: 7 }), 'wrong_type:device_id'],
  ['unknown activity', json({ ...ok, activity: 'running' }), 'invalid_value:activity'],
  ['numeric activity', json({ ...ok, activity: 3 }), 'wrong_type:activity'],
];

describe('decodeReading rejects with a specific reason', () => {
  for (const [name, value, reason] of rejected) {
    it(`${name} -> ${reason}`, () => {
      const result = decodeReading(value, R, DEFAULT_DECODE_POLICY);
      expect(result).toBeInstanceOf(DecodeFailure);
      expect((result as DecodeFailure).reason).toBe(reason);
      expect((result as DecodeFailure).detail.length).toBeGreaterThan(0);
      expect((decodeReadingWithZod(schema, value, R, DEFAULT_DECODE_POLICY) as DecodeFailure).reason, 'zod schema agrees').toBe(reason);
    });
  }
});

describe('decodeReading accepts', () => {
  const accepted: Array<[string, unknown, number]> = [
    ['ISO with Z and milliseconds', ok, Date.parse('2026-11-23T07:40:00.123Z')],
    ['an offset', { ...ok, timestamp: '2026-11-23T08:40:00+01:00' }, Date.parse('2026-11-23T07:40:00Z')],
    ['epoch milliseconds', { ...ok, timestamp: 1795419600123 }, 1795419600123],
    ['microseconds (truncated to ms)', { ...ok, timestamp: '2026-11-23T07:40:00.123456Z' }, Date.parse('2026-11-23T07:40:00.123Z')],
    ['unknown extra fields', { ...ok, firmware: '1.2', nested: { deep: [1] } }, Date.parse('2026-11-23T07:40:00.123Z')],
    ['SQL in customer_id (just text)', { ...ok, customer_id: "x'); DROP TABLE readings;--" }, Date.parse('2026-11-23T07:40:00.123Z')],
    ['unicode customer_id', { ...ok, customer_id: 'Kunde-Zoë-日本' }, Date.parse('2026-11-23T07:40:00.123Z')],
    ['the first ms of 1970', { ...ok, timestamp: '1970-01-01T00:00:00.000Z' }, 0],
    ['epoch ms 0', { ...ok, timestamp: 0 }, 0],
    ['the last ms of 9999', { ...ok, timestamp: '9999-12-31T23:59:59.999Z' }, Date.parse('9999-12-31T23:59:59.999Z')],
    ['epoch ms of the last ms of 9999', { ...ok, timestamp: 253402300799999 }, 253402300799999],
    ['29 February of a leap year', { ...ok, timestamp: '2028-02-29T00:00:00Z' }, Date.parse('2028-02-29T00:00:00Z')],
  ];
  for (const [name, doc, eventTime] of accepted) {
    it(name, () => {
      const result = decodeReading(json(doc), R, DEFAULT_DECODE_POLICY);
      expect(result).not.toBeInstanceOf(DecodeFailure);
      expect(result).toMatchObject({ customerId: (doc as typeof ok).customer_id, eventTime, heartRate: 72, receivedAt: R });
      expect(decodeReadingWithZod(schema, json(doc), R, DEFAULT_DECODE_POLICY), 'zod schema agrees').toEqual(result);
    });
  }

  it('keeps device_id and activity', () => {
    expect(decodeReading(json({ ...ok, device_id: 'watch-7', activity: 'sleep' }), R, DEFAULT_DECODE_POLICY))
      .toMatchObject({ deviceId: 'watch-7', activity: 'sleep' });
  });

  it('keeps steps in the last minute, 0 to 400', () => {
    for (const steps of [0, 112, 400]) {
      expect(decodeReading(json({ ...ok, steps }), R, DEFAULT_DECODE_POLICY)).toMatchObject({ steps });
      expect(decodeReadingWithZod(schema, json({ ...ok, steps }), R, DEFAULT_DECODE_POLICY), 'zod schema agrees').toMatchObject({ steps });
    }
  });

  it('keeps the reading without steps that are not steps in the last minute (a daily total, null, text, a fraction)', () => {
    for (const steps of [8432, 401, -1, 10.5, null, '80']) {
      const result = decodeReading(json({ ...ok, steps }), R, DEFAULT_DECODE_POLICY);
      expect(result, JSON.stringify(steps)).toMatchObject({ heartRate: 72, steps: undefined });
      expect(decodeReadingWithZod(schema, json({ ...ok, steps }), R, DEFAULT_DECODE_POLICY), 'zod schema agrees').toEqual(result);
    }
  });

  it('accepts 75.5 bpm when whole numbers are not required', () => {
    const policy = { ...DEFAULT_DECODE_POLICY, wholeNumberHeartRate: false };
    expect(decodeReading(json({ ...ok, heart_rate: 75.5 }), R, policy)).toMatchObject({ heartRate: 75.5 });
    expect(decodeReadingWithZod(readingMessageSchema(policy), json({ ...ok, heart_rate: 75.5 }), R, policy)).toMatchObject({ heartRate: 75.5 });
  });

  it('honours a configured size limit', () => {
    const big = json({ ...ok, padding: 'x'.repeat(200) });
    expect((decodeReading(big, R, { ...DEFAULT_DECODE_POLICY, maxMessageBytes: 128 }) as DecodeFailure).reason).toBe('too_large');
    expect(decodeReading(big, R, DEFAULT_DECODE_POLICY)).not.toBeInstanceOf(DecodeFailure);
  });
});

describe('parseTimestamp', () => {
  it('requires a zone and rejects impossible dates', () => {
    expect(parseTimestamp('2026-11-23T07:40:00-05:30')).toBe(Date.parse('2026-11-23T13:10:00Z'));
    expect(parseTimestamp('2026-11-23T07:40Z')).toBe(Date.parse('2026-11-23T07:40:00Z'));
    expect(parseTimestamp('2026-11-23T07:40:00.5')).toBe('timestamp_without_zone');
    expect(parseTimestamp('2027-02-29T00:00:00Z')).toBe('timestamp_invalid');
    expect(parseTimestamp('2026-11-23T24:00:00Z')).toBe('timestamp_invalid');
    expect(parseTimestamp('2026-11-23T07:40:00+24:00')).toBe('timestamp_invalid');
  });
});
