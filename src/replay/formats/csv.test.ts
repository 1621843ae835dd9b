// The CSV parser on the shared set's and Fitbit's layouts, with the odd rows real exports have.
import { describe, expect, it } from 'vitest';
import { ReplayInputError } from '../../errors.js';
import { linesOf } from '../lines.js';
import { chunksOf, collect } from '../test-streams.js';
import { parseCsv, parseCsvTime } from './csv.js';

const parse = (text: string) => collect(parseCsv(linesOf(chunksOf(text)), 'f.csv'));

describe('parseCsv', () => {
  it('reads the shared set with a BOM, CRLF line ends, quoted header and blank lines', async () => {
    const text = '\uFEFF"id","time","hr"\r\n2022484408,2016-04-12 11:21:00,97\r\n\r\n2022484408,2016-04-12 11:21:05,102\r\n';
    expect(await parse(text)).toEqual([
      { customerId: '2022484408', timeMs: Date.UTC(2016, 3, 12, 11, 21, 0), heartRate: 97, line: 2 },
      { customerId: '2022484408', timeMs: Date.UTC(2016, 3, 12, 11, 21, 5), heartRate: 102, line: 4 },
    ]);
  });

  it("reads Fitbit's Id,Time,Value with AM/PM, 12 AM being midnight and 12 PM noon", async () => {
    const text = [
      'Id,Time,Value',
      '2022484408,4/12/2016 12:00:05 AM,61',
      '2022484408,4/12/2016 12:30:00 PM,88',
      '2022484408,4/12/2016 1:00:00 PM,90',
      '2022484408,4/12/2016 11:59:59 PM,70',
    ].join('\n');
    expect((await parse(text)).map((r) => ('timeMs' in r ? new Date(r.timeMs).toISOString() : r))).toEqual([
      '2016-04-12T00:00:05.000Z', '2016-04-12T12:30:00.000Z', '2016-04-12T13:00:00.000Z', '2016-04-12T23:59:59.000Z',
    ]);
  });

  it('skips rows it cannot read, with a reason and the line, and goes on', async () => {
    const text = [
      'id,time,hr',
      '1,2016-04-12 11:21:00,',          // 2 missing heart rate
      '1,2016-04-12 11:21:05,abc',       // 3 not a number
      '1,2016-04-31 11:21:10,80',        // 4 31 April
      '1,,80',                           // 5 no time
      '1,4/12/2016 13:00:00 PM,80',      // 6 13 PM
      ',2016-04-12 11:21:15,80',         // 7 no customer
      'just one field',                  // 8 too few columns
      '1,2016-04-12 11:21:20,72.6',      // 9 fractional: read as is (the publisher rounds)
    ].join('\n');
    expect(await parse(text)).toEqual([
      { skip: 'missing_heart_rate', line: 2 },
      { skip: 'non_numeric_heart_rate', line: 3 },
      { skip: 'invalid_time', line: 4 },
      { skip: 'missing_time', line: 5 },
      { skip: 'invalid_time', line: 6 },
      { skip: 'missing_customer', line: 7 },
      { skip: 'unparseable_row', line: 8 },
      { customerId: '1', timeMs: Date.UTC(2016, 3, 12, 11, 21, 20), heartRate: 72.6, line: 9 },
    ]);
  });

  it('fails on a file whose first line is not a heart-rate header, naming file and line', async () => {
    const err = await parse('\n\nname,age\nBob,42\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayInputError);
    expect((err as ReplayInputError).code).toBe('REPLAY_INPUT_INVALID');
    expect((err as ReplayInputError).line).toBe(3);
  });

  it('keeps multi-byte text whole across chunk boundaries', async () => {
    const items = await collect(parseCsv(linesOf(chunksOf('id,time,hr\nJosé-ü,2016-04-12 11:21:00,60\n', 1)), 'f.csv'));
    expect(items).toEqual([{ customerId: 'José-ü', timeMs: Date.UTC(2016, 3, 12, 11, 21), heartRate: 60, line: 2 }]);
  });
});

describe('parseCsvTime', () => {
  it('takes a time without zone as UTC and honours an explicit offset', () => {
    expect(parseCsvTime('2016-04-12 11:21:00')).toBe(Date.UTC(2016, 3, 12, 11, 21));
    expect(parseCsvTime('2016-04-12T11:21:00+02:00')).toBe(Date.UTC(2016, 3, 12, 9, 21));
    expect(parseCsvTime('12/4/2016')).toBeNull();
  });
});
