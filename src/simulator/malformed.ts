// Catalogue of malformed messages: each kind spoils a reading in one way the wire format forbids,
// with the reject reason the validator is expected to give it.
import type { Random } from './random.js';

/** The fields of a well-formed reading, as they go on the wire. */
export interface ReadingFields {
  customer_id: string;
  timestamp: string | number;
  heart_rate: number;
  device_id?: string;
  activity?: string;
  steps?: number;
}

/**
 * The reject reason a message must get, as the worker's decoder (src/core/decode.ts) and the
 * range plugin name them: invalid_json, missing_field:heart_rate, heart_rate_out_of_range, ...
 */
export type RejectReason = string;

/** The reason of a well-formed reading whose heart rate is outside 20..250 bpm (range plugin). */
export const OUT_OF_RANGE_REASON: RejectReason = 'heart_rate_out_of_range';

const text = (s: string) => Buffer.from(s, 'utf8');
const json = (v: unknown) => text(JSON.stringify(v));
const without = (f: ReadingFields, key: keyof ReadingFields) => {
  const copy: Partial<ReadingFields> = { ...f };
  delete copy[key];
  return copy;
};
const isoWithoutZone = (f: ReadingFields) => new Date(typeof f.timestamp === 'number' ? f.timestamp : Date.parse(f.timestamp)).toISOString().slice(0, -1);

interface MalformedSpec {
  reason: RejectReason;
  description: string;
  make(f: ReadingFields, rnd: Random): Buffer;
}

const catalogue = {
  'bad-json': {
    reason: 'invalid_json', description: 'not JSON: unquoted key, single quotes, trailing comma or NaN',
    make: (f, rnd) => {
      const good = JSON.stringify(f);
      return text(rnd.pick([
        good.replace('"heart_rate"', 'heart_rate'),
        good.replace(/"/g, "'"),
        good.replace(/}$/, ',}'),
        good.replace(/"heart_rate":\d+/, '"heart_rate":NaN'),
      ]));
    },
  },
  'truncated-json': {
    reason: 'invalid_json', description: 'JSON cut off before its end',
    make: (f, rnd) => {
      const good = JSON.stringify(f);
      return text(good.slice(0, rnd.int(1, good.length - 1)));
    },
  },
  'empty-value': { reason: 'empty_message', description: 'an empty message', make: () => Buffer.alloc(0) },
  'random-bytes': {
    reason: 'invalid_utf8', description: 'random binary bytes',
    make: (_f, rnd) => {
      const bytes = Buffer.alloc(rnd.int(4, 64));
      for (let k = 0; k < bytes.length; k++) bytes[k] = rnd.int(0, 255);
      bytes[0] = rnd.int(0xf8, 0xff); // a byte UTF-8 never uses: the bytes cannot decode by chance
      return bytes;
    },
  },
  'non-object-json': {
    reason: 'not_an_object', description: 'valid JSON that is not an object: array, number, string, null, boolean',
    make: (f, rnd) => json(rnd.pick<unknown>([[f.customer_id, f.timestamp, f.heart_rate], f.heart_rate, f.customer_id, null, true, [f]])),
  },
  'missing-customer-id': { reason: 'missing_field:customer_id', description: 'no customer_id', make: (f) => json(without(f, 'customer_id')) },
  'missing-timestamp': { reason: 'missing_field:timestamp', description: 'no timestamp', make: (f) => json(without(f, 'timestamp')) },
  'missing-heart-rate': { reason: 'missing_field:heart_rate', description: 'no heart_rate', make: (f) => json(without(f, 'heart_rate')) },
  'wrong-field-names': {
    reason: 'missing_field:customer_id', description: 'camelCase field names (customerId, heartRate)',
    make: (f) => json({ customerId: f.customer_id, timestamp: f.timestamp, heartRate: f.heart_rate }),
  },
  'empty-customer-id': { reason: 'customer_id_invalid', description: 'customer_id is ""', make: (f) => json({ ...f, customer_id: '' }) },
  'customer-id-not-string': {
    reason: 'wrong_type:customer_id', description: 'customer_id is a number',
    make: (f) => json({ ...f, customer_id: Number(f.customer_id.replace(/\D/g, '')) }),
  },
  'heart-rate-string': { reason: 'wrong_type:heart_rate', description: 'heart_rate as a string, e.g. "72"', make: (f) => json({ ...f, heart_rate: String(f.heart_rate) }) },
  'heart-rate-fraction': { reason: 'not_whole_number:heart_rate', description: 'heart_rate not a whole number, e.g. 75.5', make: (f) => json({ ...f, heart_rate: f.heart_rate + 0.5 }) },
  'heart-rate-null': { reason: 'wrong_type:heart_rate', description: 'heart_rate is null', make: (f) => json({ ...f, heart_rate: null }) },
  'heart-rate-object': { reason: 'wrong_type:heart_rate', description: 'heart_rate is an object', make: (f) => json({ ...f, heart_rate: { bpm: f.heart_rate } }) },
  'timestamp-no-zone': { reason: 'timestamp_without_zone', description: 'ISO timestamp without a time zone', make: (f) => json({ ...f, timestamp: isoWithoutZone(f) }) },
  'timestamp-invalid': {
    reason: 'timestamp_invalid', description: 'timestamp that is no date: impossible fields or words',
    make: (f, rnd) => json({ ...f, timestamp: rnd.pick(['2026-13-45T99:99:99Z', 'yesterday', '', 'NaN']) }),
  },
  'timestamp-fraction': {
    reason: 'timestamp_invalid', description: 'epoch timestamp with a fraction of a millisecond',
    make: (f) => json({ ...f, timestamp: Date.parse(`${isoWithoutZone(f)}Z`) + 0.25 }),
  },
  'timestamp-boolean': { reason: 'wrong_type:timestamp', description: 'timestamp is true', make: (f) => json({ ...f, timestamp: true }) },
} satisfies Record<string, MalformedSpec>;

/** Every kind of malformed message the simulator produces. */
export type MalformedKind = keyof typeof catalogue;

/** All malformed kinds, in catalogue order. */
export const MALFORMED_KINDS = Object.keys(catalogue) as MalformedKind[];

/** The reject reason the validator is expected to give a malformed kind. */
export function malformedReason(kind: MalformedKind): RejectReason {
  return catalogue[kind].reason;
}

/** A one-line description of a malformed kind. */
export function malformedDescription(kind: MalformedKind): string {
  return catalogue[kind].description;
}

/** The message value of a reading spoiled in the way `kind` says. */
export function malformedValue(kind: MalformedKind, fields: ReadingFields, rnd: Random): Buffer {
  return (catalogue[kind] as MalformedSpec).make(fields, rnd);
}
