// FHIR R4 heart-rate Observations (LOINC 8867-4), as NDJSON (one resource per line, FHIR Bulk
// Data's format for large volumes) or one JSON document (a Bundle or a single resource). Customer
// from subject.reference, time from effectiveDateTime / effectiveInstant / effectivePeriod.start,
// value from valueQuantity.value in /min.
import { ReplayInputError } from '../../errors.js';
import { customerIdOf, heartRateOfJson } from '../fields.js';
import type { Line } from '../lines.js';
import { jsonFaultOffset, lineAt } from '../json-fault.js';
import { parseIsoLike } from '../time.js';
import type { ParseItem } from '../types.js';

const LOINC = 'http://loinc.org';
const HEART_RATE = '8867-4';
// UCUM's /min and the spellings servers write in `unit` (Apple's own FHIR export says "count/min").
const PER_MINUTE = new Set(['/min', '{beats}/min', '{beat}/min', 'beats/min', 'beats/minute', 'bpm', 'count/min', '1/min']);
/** Statuses that say the value must not be used. */
const NOT_USABLE = new Set(['entered-in-error', 'cancelled']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when a value looks like a FHIR resource (the format check of a file's first resource). */
export function isFhirResource(value: unknown): boolean {
  return isObject(value) && typeof value.resourceType === 'string';
}

/** The customer of a subject reference: the id of `Patient/<id>` (relative, absolute or versioned), else the reference as written. */
export function customerOfReference(reference: string): string {
  const m = /(?:^|\/)Patient\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(reference);
  return m === null ? reference : m[1]!;
}

function isHeartRate(o: Json): boolean {
  const coding = isObject(o.code) && Array.isArray(o.code.coding) ? o.code.coding : [];
  return coding.some((c: unknown) => isObject(c) && c.system === LOINC && c.code === HEART_RATE);
}

/** The reading of one Observation, or the reason it cannot be one. */
function observationReading(o: Json): { customerId: string; timeMs: number; heartRate: number } | string {
  if (o.resourceType !== 'Observation') return 'not_an_observation';
  if (!isHeartRate(o)) return 'not_heart_rate';
  if (typeof o.status === 'string' && NOT_USABLE.has(o.status)) return `status_${o.status.replace(/-/g, '_')}`;
  const reference = isObject(o.subject) && typeof o.subject.reference === 'string' ? o.subject.reference : undefined;
  const customerId = customerIdOf(reference === undefined ? undefined : customerOfReference(reference));
  if (typeof customerId !== 'string') return customerId.reason;
  const timeText = o.effectiveDateTime ?? o.effectiveInstant ?? (isObject(o.effectivePeriod) ? o.effectivePeriod.start : undefined);
  if (timeText === undefined) return 'missing_time';
  const timeMs = typeof timeText === 'string' ? parseIsoLike(timeText, true) : null;
  if (timeMs === null) return 'invalid_time';
  if (!isObject(o.valueQuantity)) return 'missing_heart_rate';
  const unit = o.valueQuantity.code ?? o.valueQuantity.unit;
  if (unit !== undefined && !(typeof unit === 'string' && PER_MINUTE.has(unit))) return 'unit_not_per_minute';
  const heartRate = heartRateOfJson(o.valueQuantity.value);
  return typeof heartRate === 'number' ? { customerId, timeMs, heartRate } : heartRate.reason;
}

/** The items of one resource at `line`: a Bundle gives one per entry (numbered from 1), anything else one. */
export function* resourceItems(resource: unknown, line: number): Generator<ParseItem> {
  if (!isObject(resource)) {
    yield { skip: 'not_a_fhir_resource', line };
  } else if (resource.resourceType === 'Bundle') {
    const entries = Array.isArray(resource.entry) ? resource.entry : [];
    for (let i = 0; i < entries.length; i++) {
      const entry: unknown = entries[i];
      const r = isObject(entry) && isObject(entry.resource) ? observationReading(entry.resource) : 'not_a_fhir_resource';
      yield typeof r === 'string' ? { skip: r, line, entry: i + 1 } : { ...r, line };
    }
  } else {
    const r = typeof resource.resourceType === 'string' ? observationReading(resource) : 'not_a_fhir_resource';
    yield typeof r === 'string' ? { skip: r, line } : { ...r, line };
  }
}

/** Items of an NDJSON file: a line that is not JSON is a skip (unparseable_row); blank lines are ignored. */
export async function* parseFhirNdjson(lines: AsyncIterable<Line>): AsyncGenerator<ParseItem> {
  for await (const { text, line } of lines) {
    if (text.trim() === '') continue;
    let resource: unknown;
    try {
      resource = JSON.parse(text);
    } catch {
      yield { skip: 'unparseable_row', line };
      continue;
    }
    yield* resourceItems(resource, line);
  }
}

/**
 * Items of a JSON document (a Bundle, or one resource). Read whole: JSON.parse has no streaming
 * form, and a Bundle is one page of a search; large volumes come as NDJSON, which streams.
 * Broken JSON is a ReplayInputError naming the line of the fault.
 */
export function* parseFhirDocument(text: string, file: string): Generator<ParseItem> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    const offset = jsonFaultOffset(text);
    throw new ReplayInputError(file, offset < 0 ? undefined : lineAt(text, offset), `malformed JSON: ${(cause as Error).message}`, { cause });
  }
  if (!isFhirResource(doc)) throw new ReplayInputError(file, 1, 'not a FHIR resource or Bundle (no resourceType)');
  yield* resourceItems(doc, 1);
}
