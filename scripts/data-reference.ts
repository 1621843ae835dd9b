// Generates the input policy table in docs/data.md from src/core/input-policy.ts
// (`npm run docs:data`); test/data-reference.test.ts fails when it is out of date.
import path from 'node:path';
import {
  HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM, MAX_AGE_MS, MAX_CUSTOMER_ID_LENGTH, MAX_DEVICE_ID_LENGTH, MAX_EVENT_TIME, MAX_FUTURE_MS,
  MAX_STEPS_PER_MINUTE, MAX_TIMESTAMP_CHARS, MESSAGE_BYTES, MIN_EVENT_TIME,
} from '../src/core/input-policy.js';
import { ACTIVITIES } from '../src/core/types.js';
import { cell, code, extractSection as extractNamed, runDocsScript } from './generated-section.js';

export const SECTION = 'input-policy';
/** The file holding the generated table between the markers. */
export const DATA_DOC_PATH = path.resolve(import.meta.dirname, '..', 'docs', 'data.md');

/** A duration as a reader says it: 5 min, 7 days. */
function duration(ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, 'days'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  const [size, unit] = units.find(([n]) => ms % n === 0 && ms >= n) ?? [1, 'ms'];
  return `${ms / size} ${unit}`;
}

function bytes(n: number): string {
  return n % 1_048_576 === 0 ? `${n / 1_048_576} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

const reasons = (...list: string[]): string => list.map(code).join(', ');

/** The markdown table of the input policy: per field, what is accepted and the reject reasons. */
export function renderInputPolicy(): string {
  const rows: Array<[string, string, string]> = [
    ['message value', `UTF-8 JSON object of at most ${code('input.maxMessageBytes')} (default ${bytes(MESSAGE_BYTES.default)}, configurable from ${MESSAGE_BYTES.lowest} bytes to ${bytes(MESSAGE_BYTES.highest)}), checked before parsing; unknown extra fields are ignored`,
      reasons('empty_message', 'too_large', 'invalid_utf8', 'invalid_json', 'not_an_object')],
    [code('customer_id'), `required; printable text of 1 to ${MAX_CUSTOMER_ID_LENGTH} characters, not only blanks`,
      reasons('missing_field:customer_id', 'wrong_type:customer_id', 'customer_id_invalid')],
    [code('heart_rate'), `required; a JSON number, a whole number of bpm (${code('input.wholeNumberHeartRate')}; when false, rounded half up); stored only from ${HEART_RATE_MIN_BPM} to ${HEART_RATE_MAX_BPM} bpm, the ${code('range')} validator's default bounds too`,
      reasons('missing_field:heart_rate', 'wrong_type:heart_rate', 'not_finite:heart_rate', 'not_whole_number:heart_rate', 'heart_rate_out_of_range', 'heart_rate_not_storable')],
    [code('timestamp'), `required; RFC 3339 with a zone (${code('Z')} or an offset, at most ${MAX_TIMESTAMP_CHARS} characters) or whole epoch ms, from ${new Date(MIN_EVENT_TIME).toISOString()} to ${new Date(MAX_EVENT_TIME).toISOString()}; by default (${code('range')}) at most ${duration(MAX_FUTURE_MS)} after the receive time and ${duration(MAX_AGE_MS)} before it`,
      reasons('missing_field:timestamp', 'wrong_type:timestamp', 'timestamp_without_zone', 'timestamp_invalid', 'out_of_range:timestamp', 'timestamp_in_future', 'timestamp_too_old')],
    [code('device_id'), `optional; printable text of 1 to ${MAX_DEVICE_ID_LENGTH} characters`,
      reasons('wrong_type:device_id', 'invalid_value:device_id')],
    [code('activity'), `optional; one of ${ACTIVITIES.join(', ')}`,
      reasons('wrong_type:activity', 'invalid_value:activity')],
    [code('steps'), `optional; steps counted in the minute before the reading, a whole number from 0 to ${MAX_STEPS_PER_MINUTE}; any other value (null, a daily total, text) is left out and the reading kept`,
      'never: ignored when invalid'],
  ];
  return [
    '| Field | Accepted | Rejected as |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The generated section of docs/data.md as it stands, or undefined without markers. */
export function extractInputPolicy(doc: string): string | undefined {
  return extractNamed(doc, SECTION);
}

runDocsScript(import.meta.url, DATA_DOC_PATH, SECTION, renderInputPolicy);
