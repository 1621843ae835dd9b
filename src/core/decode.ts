// Turns a message value into a Reading or a reject reason: size check, UTF-8 check, JSON parse and
// a hand-rolled shape check. Hand-rolled rather than zod on the hot path because it is several
// times faster (`src/bench/core-throughput.ts` measures both); message-schema.ts holds the same
// policy as a zod schema, and decode.test.ts checks both agree on every case. The policy's numbers
// (lengths, bounds, the size limit) are input-policy.ts's.
import { isUtf8 } from 'node:buffer';
import {
  MAX_CUSTOMER_ID_LENGTH, MAX_DEVICE_ID_LENGTH, MAX_EVENT_TIME, MAX_STEPS_PER_MINUTE, MAX_TIMESTAMP_CHARS, MESSAGE_BYTES, MIN_EVENT_TIME,
} from './input-policy.js';
import { ACTIVITIES, type Activity, type Reading } from './types.js';

/** Input policy, from config `input.*`. */
export interface DecodePolicy {
  /** Larger values are rejected as too_large before parsing. */
  readonly maxMessageBytes: number;
  /** Reject heart rates that are not whole numbers (not_whole_number:heart_rate). */
  readonly wholeNumberHeartRate: boolean;
}

export const DEFAULT_DECODE_POLICY: DecodePolicy = Object.freeze({ maxMessageBytes: MESSAGE_BYTES.default, wholeNumberHeartRate: true });

/** Why a message could not become a reading. `stage` says which step refused it. */
export class DecodeFailure {
  constructor(
    readonly stage: 'parse' | 'schema',
    /** Stable, machine-readable reason, e.g. wrong_type:heart_rate. */
    readonly reason: string,
    /** Human-readable explanation. */
    readonly detail: string,
  ) {}
}

const fail = (stage: 'parse' | 'schema', reason: string, detail: string): DecodeFailure => new DecodeFailure(stage, reason, detail);

// Control, format, private-use, unassigned, line/paragraph separators and lone surrogates.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Non-empty printable text of at most `max` characters (code points), not only blanks. */
export function isPrintableText(value: string, max: number): boolean {
  const n = value.length;
  if (n === 0 || n > 2 * max) return false;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) { ascii = false; break; }
  }
  // Fast path: visible ASCII only (the usual "CUST-00042").
  if (ascii) return n <= max;
  if (NOT_PRINTABLE.test(value) || value.trim() === '') return false;
  if (n <= max) return true;
  let codePoints = 0;
  for (const _ of value) codePoints++;
  return codePoints <= max;
}

const OUT_OF_RANGE = 'out_of_range:timestamp';

/** Whole epoch ms in the accepted range (MIN_EVENT_TIME..MAX_EVENT_TIME), or why not. */
export function checkEpochMs(value: number): number | 'timestamp_invalid' | typeof OUT_OF_RANGE {
  if (!Number.isInteger(value)) return 'timestamp_invalid';
  return value >= MIN_EVENT_TIME && value <= MAX_EVENT_TIME ? value : OUT_OF_RANGE;
}

const RANGE_TEXT = '1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const num = (s: string, from: number, length: number): number => {
  let n = 0;
  for (let i = from; i < from + length; i++) n = n * 10 + digit(s, i);
  return n;
};

function validUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | 'timestamp_invalid' | typeof OUT_OF_RANGE {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && !leap ? 28 : DAYS[month - 1]!))) return 'timestamp_invalid';
  if (!(hour <= 23 && minute <= 59 && second <= 59 && ms >= 0)) return 'timestamp_invalid';
  // Date.UTC reads years 0-99 as 1900-1999 (0026 would become 1926); they are out of range anyway,
  // whatever the offset (under a day).
  if (year < 100) return OUT_OF_RANGE;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * Event time in ms from an RFC 3339 string, or a failure reason. Strict: rejects 2026-02-30, and
 * dates outside MIN_EVENT_TIME..MAX_EVENT_TIME (out_of_range:timestamp).
 */
export function parseTimestamp(value: string): number | 'timestamp_without_zone' | 'timestamp_invalid' | typeof OUT_OF_RANGE {
  // Fast path for what devices and JSON.stringify(Date) send: 2026-11-23T07:40:00.123Z (NaN on any non-digit).
  if (value.length === 24 && value[4] === '-' && value[7] === '-' && value[10] === 'T' && value[13] === ':' &&
    value[16] === ':' && value[19] === '.' && value[23] === 'Z') {
    const utc = validUtc(num(value, 0, 4), num(value, 5, 2), num(value, 8, 2), num(value, 11, 2), num(value, 14, 2), num(value, 17, 2), num(value, 20, 3));
    return typeof utc === 'number' ? checkEpochMs(utc) : utc;
  }
  const m = ISO.exec(value);
  if (m === null) return 'timestamp_invalid';
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const utc = validUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6] === undefined ? 0 : Number(m[6]), ms);
  if (typeof utc !== 'number') return utc;
  if (m[8] === undefined && m[9] === undefined) return 'timestamp_without_zone';
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]), om = Number(m[11]);
    if (oh > 23 || om > 59) return 'timestamp_invalid';
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return checkEpochMs(utc - offsetMinutes * 60_000);
}

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Size check, UTF-8 check and JSON parse of a message value. Never throws. */
export function parseMessageJson(value: Buffer | null, policy: DecodePolicy): unknown {
  if (value === null || value.length === 0) {
    return fail('parse', 'empty_message', value === null ? 'the message value is null (a tombstone)' : 'the message value is empty');
  }
  if (value.length > policy.maxMessageBytes) {
    return fail('parse', 'too_large', `the message value is ${value.length} bytes; the limit is ${policy.maxMessageBytes}`);
  }
  if (!isUtf8(value)) return fail('parse', 'invalid_utf8', 'the message value is not valid UTF-8 text');
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return fail('parse', 'invalid_json', `the message value is not JSON: ${(error as Error).message}`);
  }
  return doc;
}

/**
 * Decodes one message value. Never throws: every problem becomes a DecodeFailure with a stable
 * reason. Unknown extra fields are ignored.
 */
export function decodeReading(value: Buffer | null, receivedAt: number, policy: DecodePolicy): Reading | DecodeFailure {
  const doc = parseMessageJson(value, policy);
  return doc instanceof DecodeFailure ? doc : checkReadingShape(doc, receivedAt, policy);
}

/** The shape check of a parsed message (the hand-rolled twin of message-schema.ts). */
/** A whole number of steps in the last minute a wearer can take (0 to MAX_STEPS_PER_MINUTE). */
export function isStepsPerMinute(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_STEPS_PER_MINUTE;
}

export function checkReadingShape(doc: unknown, receivedAt: number, policy: DecodePolicy = DEFAULT_DECODE_POLICY): Reading | DecodeFailure {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return fail('schema', 'not_an_object', `expected a JSON object, got ${kindOf(doc)}`);
  }
  const o = doc as Record<string, unknown>;

  const customerId = o.customer_id;
  if (customerId === undefined) return fail('schema', 'missing_field:customer_id', 'customer_id is required');
  if (typeof customerId !== 'string') return fail('schema', 'wrong_type:customer_id', `customer_id must be a string, got ${kindOf(customerId)}`);
  if (!isPrintableText(customerId, MAX_CUSTOMER_ID_LENGTH)) {
    return fail('schema', 'customer_id_invalid', `customer_id must be non-empty printable text of at most ${MAX_CUSTOMER_ID_LENGTH} characters`);
  }

  const heartRate = o.heart_rate;
  if (heartRate === undefined) return fail('schema', 'missing_field:heart_rate', 'heart_rate is required');
  if (typeof heartRate !== 'number') return fail('schema', 'wrong_type:heart_rate', `heart_rate must be a JSON number, got ${kindOf(heartRate)}`);
  // JSON has no NaN or Infinity literals, but 1e400 parses to Infinity.
  if (!Number.isFinite(heartRate)) return fail('schema', 'not_finite:heart_rate', 'heart_rate must be a finite number');
  if (policy.wholeNumberHeartRate && !Number.isInteger(heartRate)) {
    return fail('schema', 'not_whole_number:heart_rate', `heart_rate must be a whole number of bpm, got ${heartRate}`);
  }

  const timestamp = o.timestamp;
  let eventTime: number;
  if (timestamp === undefined) return fail('schema', 'missing_field:timestamp', 'timestamp is required');
  if (typeof timestamp === 'number') {
    const checked = checkEpochMs(timestamp);
    if (checked === 'timestamp_invalid') {
      return fail('schema', checked, `a numeric timestamp must be whole epoch milliseconds, got ${timestamp}`);
    }
    if (checked === OUT_OF_RANGE) return fail('schema', checked, `timestamp ${timestamp} is outside ${RANGE_TEXT} (epoch ms ${MIN_EVENT_TIME} to ${MAX_EVENT_TIME})`);
    eventTime = checked;
  } else if (typeof timestamp === 'string') {
    const parsed = timestamp.length > MAX_TIMESTAMP_CHARS ? 'timestamp_invalid' : parseTimestamp(timestamp);
    if (parsed === OUT_OF_RANGE) return fail('schema', parsed, `timestamp ${timestamp} is outside ${RANGE_TEXT}`);
    if (parsed === 'timestamp_without_zone') {
      return fail('schema', parsed, 'timestamp must carry a zone (Z or an offset such as +01:00)');
    }
    if (parsed === 'timestamp_invalid') {
      return fail('schema', parsed, 'timestamp must be an RFC 3339 date-time such as 2026-11-23T07:40:00.123Z, or epoch milliseconds');
    }
    eventTime = parsed;
  } else {
    return fail('schema', 'wrong_type:timestamp', `timestamp must be a string or epoch milliseconds, got ${kindOf(timestamp)}`);
  }

  const deviceId = o.device_id;
  if (deviceId !== undefined) {
    if (typeof deviceId !== 'string') return fail('schema', 'wrong_type:device_id', `device_id must be a string, got ${kindOf(deviceId)}`);
    if (!isPrintableText(deviceId, MAX_DEVICE_ID_LENGTH)) {
      return fail('schema', 'invalid_value:device_id', `device_id must be non-empty printable text of at most ${MAX_DEVICE_ID_LENGTH} characters`);
    }
  }
  const activity = o.activity;
  if (activity !== undefined) {
    if (typeof activity !== 'string') return fail('schema', 'wrong_type:activity', `activity must be a string, got ${kindOf(activity)}`);
    if (!(ACTIVITIES as readonly string[]).includes(activity)) {
      return fail('schema', 'invalid_value:activity', `activity must be one of ${ACTIVITIES.join(', ')}`);
    }
  }
  // Steps help a rule tell exercise from rest, but the heart rate is what matters: a value that is
  // not steps in the last minute (null, a daily total, text) is left out and the reading kept.
  const steps = isStepsPerMinute(o.steps) ? o.steps : undefined;
  return { customerId, eventTime, heartRate, deviceId, activity: activity as Activity | undefined, steps, receivedAt };
}
