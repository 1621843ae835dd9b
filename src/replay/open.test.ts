// Opening recordings from disk: gzip by its magic bytes, the format by content, and failures that
// name the file for what cannot be read at all.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayInputError } from '../errors.js';
import { openRecording } from './open.js';
import { collect } from './test-streams.js';

let dir: string;
const CSV = 'id,time,hr\n1,2016-04-12 11:21:00,97\n1,2016-04-12 11:21:05,oops\n';
const OBSERVATION = { resourceType: 'Observation', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/7' }, effectiveDateTime: '2019-01-01T10:00:00Z', valueQuantity: { value: 70, code: '/min' } };
const XML = '<?xml version="1.0"?>\n<HealthData>\n<Record type="HKQuantityTypeIdentifierHeartRate" startDate="2019-01-01 10:00:00 +0000" value="70"/>\n</HealthData>\n';

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

async function failure(promise: Promise<unknown>): Promise<ReplayInputError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ReplayInputError);
  return err as ReplayInputError;
}

beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'replay-open-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('openRecording', () => {
  it('tells each format from its content, gzip or not, whatever the file is called', async () => {
    const cases: Array<[string, string | Buffer, string]> = [
      ['a.csv', CSV, 'csv'],
      ['a.csv.gz', gzipSync(CSV), 'csv'],
      ['data.txt', CSV, 'csv'],
      ['obs.ndjson', `${JSON.stringify(OBSERVATION)}\n${JSON.stringify(OBSERVATION)}\n`, 'fhir-ndjson'],
      ['bundle.json.gz', gzipSync(JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: OBSERVATION }] }, null, 2)), 'fhir-json'],
      ['export.xml', XML, 'apple-health'],
    ];
    for (const [name, content, format] of cases) {
      const recording = await openRecording(await file(name, content));
      expect(recording.format, name).toBe(format);
      const items = await collect(recording.items());
      expect(items.filter((i) => 'heartRate' in i).length, name).toBeGreaterThan(0);
    }
  });

  it('gives an Apple Health export the --customer, or its file name', async () => {
    const named = await collect((await openRecording(await file('anna.xml.gz', gzipSync(XML)))).items());
    expect(named[0]).toMatchObject({ customerId: 'anna' });
    const given = await collect((await openRecording(await file('export.xml', XML), { customer: 'CUST-7' })).items());
    expect(given[0]).toMatchObject({ customerId: 'CUST-7' });
  });

  it('fails naming the file when it is missing, not a known format, or broken gzip', async () => {
    expect((await failure(openRecording(path.join(dir, 'nope.csv')))).message).toMatch(/nope\.csv: cannot read: ENOENT/);
    expect((await failure(openRecording(await file('notes.txt', 'dear diary\n')))).message).toMatch(/notes\.txt:1: not a known format/);
    expect((await failure(openRecording(await file('plain.csv.gz', CSV)))).message).toMatch(/plain\.csv\.gz: malformed gzip/);
    // Valid header, then the stream breaks off: found while reading, not at open.
    const gz = gzipSync(CSV.repeat(2000));
    const truncated = await openRecording(await file('cut.csv.gz', gz.subarray(0, gz.length - 20)));
    expect((await failure(collect(truncated.items()))).message).toMatch(/cut\.csv\.gz: malformed gzip: unexpected end of file/);
  });
});
