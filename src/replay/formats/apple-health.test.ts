// The Apple Health parser: heart-rate Records from a streamed export.xml, zone offsets honoured,
// other records skipped, broken XML a failure naming the line.
import { describe, expect, it } from 'vitest';
import { ReplayInputError } from '../../errors.js';
import { chunksOf, collect } from '../test-streams.js';
import { parseAppleHealth } from './apple-health.js';

const EXPORT = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Workout)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED value CDATA #IMPLIED>
]>
<HealthData locale="de_DE">
 <ExportDate value="2019-01-02 10:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Anna&apos;s Apple Watch" unit="count/min" creationDate="2019-01-01 10:00:05 +0100" startDate="2019-01-01 10:00:00 +0100" endDate="2019-01-01 10:00:00 +0100" value="72">
  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierStepCount" unit="count" startDate="2019-01-01 10:00:00 +0100" endDate="2019-01-01 10:05:00 +0100" value="120"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" startDate="2019-01-01 04:30:00 -0500" value="64.5"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" startDate="2019-01-01 10:01:00 +0100"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" unit="count/min" startDate="yesterday" value="70"/>
</HealthData>
`;

const parse = (xml: string, chunk = 11) => collect(parseAppleHealth(chunksOf(xml, chunk), 'anna', 'export.xml'));

describe('parseAppleHealth', () => {
  it('reads heart-rate records with their zone offsets and skips the rest, each with its line', async () => {
    expect(await parse(EXPORT)).toEqual([
      { customerId: 'anna', timeMs: Date.UTC(2019, 0, 1, 9, 0, 0), heartRate: 72, line: 11 },
      { skip: 'not_heart_rate', line: 14 },
      { customerId: 'anna', timeMs: Date.UTC(2019, 0, 1, 9, 30, 0), heartRate: 64.5, line: 15 },
      { skip: 'missing_heart_rate', line: 16 },
      { skip: 'invalid_time', line: 17 },
    ]);
  });

  it('gives the same items whatever the chunk size', async () => {
    expect(await parse(EXPORT, 1)).toEqual(await parse(EXPORT, 65_536));
  });

  it('fails on malformed XML, naming file and line', async () => {
    const broken = EXPORT.replace('<Record type="HKQuantityTypeIdentifierStepCount"', '<Record type="HKQuantityTypeIdentifierStepCount" unit=count');
    const err = await parse(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayInputError);
    expect((err as ReplayInputError).message).toMatch(/^export\.xml:14: malformed XML/);
  });

  it('fails on a truncated export and on XML that is not an export', async () => {
    const truncated = await parse(EXPORT.slice(0, EXPORT.indexOf('</HealthData>'))).catch((e: unknown) => e);
    expect((truncated as ReplayInputError).code).toBe('REPLAY_INPUT_INVALID');
    const other = await parse('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>\n').catch((e: unknown) => e);
    expect((other as ReplayInputError).message).toMatch(/^export\.xml:2: not an Apple Health export/);
  });
});
