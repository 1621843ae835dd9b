// The FHIR parser: heart-rate Observations become readings; everything else is a skip with a reason.
import { describe, expect, it } from 'vitest';
import { ReplayInputError } from '../../errors.js';
import { linesOf } from '../lines.js';
import { chunksOf, collect } from '../test-streams.js';
import { customerOfReference, parseFhirDocument, parseFhirNdjson } from './fhir.js';

const HR = { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] };
const observation = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation', status: 'final', code: HR, subject: { reference: 'Patient/p-1' },
  effectiveDateTime: '2019-01-01T10:00:00+01:00', valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  ...extra,
});
const ndjson = (resources: unknown[]) => collect(parseFhirNdjson(linesOf(chunksOf(resources.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'), 13))));

describe('parseFhirNdjson', () => {
  it('reads heart-rate Observations: customer from the subject, time from any effective[x], value in /min', async () => {
    const items = await ndjson([
      observation(),
      observation({ effectiveDateTime: undefined, effectiveInstant: '2019-01-01T09:00:01.500Z', valueQuantity: { value: 61.4, unit: 'bpm' } }),
      observation({ effectiveDateTime: undefined, effectivePeriod: { start: '2019-01-01T09:00:02Z', end: '2019-01-01T09:00:03Z' }, subject: { reference: 'https://fhir.example/Patient/p-2/_history/3' } }),
    ]);
    expect(items).toEqual([
      { customerId: 'p-1', timeMs: Date.UTC(2019, 0, 1, 9, 0, 0), heartRate: 72, line: 1 },
      { customerId: 'p-1', timeMs: Date.UTC(2019, 0, 1, 9, 0, 1, 500), heartRate: 61.4, line: 2 },
      { customerId: 'p-2', timeMs: Date.UTC(2019, 0, 1, 9, 0, 2), heartRate: 72, line: 3 },
    ]);
  });

  it('skips what is not a usable heart rate, with a reason per resource and its line', async () => {
    const items = await ndjson([
      { resourceType: 'Patient', id: 'p-1' },
      observation({ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] } }), // systolic blood pressure
      observation({ code: { coding: [{ system: 'http://snomed.info/sct', code: '8867-4' }] } }), // right code, wrong system
      observation({ valueQuantity: undefined }),
      observation({ valueQuantity: { value: '72', code: '/min' } }),
      observation({ valueQuantity: { value: 72, code: 'mg' } }),
      observation({ effectiveDateTime: undefined }),
      observation({ effectiveDateTime: '2019-01-01T10:00:00' }), // a time without zone: FHIR forbids it
      observation({ subject: undefined }),
      observation({ status: 'entered-in-error' }),
      '{"resourceType": "Observation", ',
      '',
      '[1, 2]',
    ]);
    expect(items).toEqual([
      { skip: 'not_an_observation', line: 1 },
      { skip: 'not_heart_rate', line: 2 },
      { skip: 'not_heart_rate', line: 3 },
      { skip: 'missing_heart_rate', line: 4 },
      { skip: 'non_numeric_heart_rate', line: 5 },
      { skip: 'unit_not_per_minute', line: 6 },
      { skip: 'missing_time', line: 7 },
      { skip: 'invalid_time', line: 8 },
      { skip: 'missing_customer', line: 9 },
      { skip: 'status_entered_in_error', line: 10 },
      { skip: 'unparseable_row', line: 11 },
      { skip: 'not_a_fhir_resource', line: 13 },
    ]);
  });

  it('reads a Bundle on one line entry by entry, naming the entry of a skip', async () => {
    const bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: observation() }, { resource: { resourceType: 'Patient' } }] };
    expect(await ndjson([bundle])).toEqual([
      { customerId: 'p-1', timeMs: Date.UTC(2019, 0, 1, 9), heartRate: 72, line: 1 },
      { skip: 'not_an_observation', line: 1, entry: 2 },
    ]);
  });
});

describe('parseFhirDocument', () => {
  it('reads a pretty-printed Bundle', async () => {
    const text = JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: observation() }, { resource: observation({ valueQuantity: { value: 80 } }) }] }, null, 2);
    expect((await collect(parseFhirDocument(text, 'b.json'))).map((i) => ('heartRate' in i ? i.heartRate : i))).toEqual([72, 80]);
  });

  it('fails on broken JSON naming the line of the fault', () => {
    const text = '{\n  "resourceType": "Bundle",\n  "entry": [\n    {"resource": }\n  ]\n}';
    const err = (() => { try { [...parseFhirDocument(text, 'b.json')]; } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ReplayInputError);
    expect((err as ReplayInputError).line).toBe(4);
    expect((err as ReplayInputError).message).toMatch(/^b\.json:4: malformed JSON/);
  });
});

describe('customerOfReference', () => {
  it('takes the Patient id, or keeps a reference of another shape', () => {
    expect(customerOfReference('Patient/123')).toBe('123');
    expect(customerOfReference('urn:uuid:5b7c7a0e-1b55-4c2e-9c3a-4f0f4e7e1c11')).toBe('urn:uuid:5b7c7a0e-1b55-4c2e-9c3a-4f0f4e7e1c11');
  });
});
