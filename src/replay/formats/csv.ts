// CSV recordings: the shared set's `id,time,hr` (time UTC `YYYY-MM-DD HH:MM:SS`) and Fitbit's own
// `Id,Time,Value` (`M/D/YYYY h:mm:ss AM/PM`). Columns are found by header name, so either header
// (and extra columns) work; either time form is accepted in either file.
import { ReplayInputError } from '../../errors.js';
import { customerIdOf, heartRateOfText } from '../fields.js';
import type { Line } from '../lines.js';
import { parseIsoLike, parseUsClock } from '../time.js';
import type { ParseItem } from '../types.js';

const ID_NAMES = ['id', 'customer_id', 'customer'];
const TIME_NAMES = ['time', 'timestamp'];
const RATE_NAMES = ['hr', 'value', 'heart_rate', 'bpm'];

/** Column positions of a CSV header, or null when it is not a heart-rate CSV header. */
export function csvColumns(header: string): { id: number; time: number; rate: number } | null {
  const names = splitRow(header).map((n) => n.trim().toLowerCase());
  const find = (choices: string[]) => names.findIndex((n) => choices.includes(n));
  const columns = { id: find(ID_NAMES), time: find(TIME_NAMES), rate: find(RATE_NAMES) };
  return columns.id < 0 || columns.time < 0 || columns.rate < 0 ? null : columns;
}

/** Fields of a row: comma-separated, each without surrounding double quotes (no embedded commas in these files). */
function splitRow(row: string): string[] {
  return row.split(',').map((f) => (f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1) : f));
}

/**
 * Epoch ms of a CSV time, or null. Without a zone it is taken as UTC: the shared set says so, and
 * Fitbit's export has no zone at all (its local clock); replay shifts every time anyway, so only a
 * daylight-saving change inside a Fitbit recording is off by an hour.
 */
export function parseCsvTime(text: string): number | null {
  return parseIsoLike(text, false) ?? parseUsClock(text);
}

/**
 * Readings of a CSV file's lines. The first non-blank line must be the header (else the file is
 * not this format: ReplayInputError); blank lines are ignored; a row that cannot be read is a skip.
 */
export async function* parseCsv(lines: AsyncIterable<Line>, file: string): AsyncGenerator<ParseItem> {
  let columns: ReturnType<typeof csvColumns> | undefined;
  let needed = 0;
  for await (const { text, line } of lines) {
    if (text.trim() === '') continue;
    if (columns === undefined) {
      columns = csvColumns(text);
      if (columns === null) throw new ReplayInputError(file, line, `not a heart-rate CSV header (expected columns id,time,hr or Id,Time,Value): ${JSON.stringify(text.slice(0, 80))}`);
      needed = Math.max(columns.id, columns.time, columns.rate) + 1;
      continue;
    }
    const fields = splitRow(text);
    if (fields.length < needed) {
      yield { skip: 'unparseable_row', line };
      continue;
    }
    const customerId = customerIdOf(fields[columns!.id]);
    if (typeof customerId !== 'string') {
      yield { skip: customerId.reason, line };
      continue;
    }
    const timeText = fields[columns!.time]!.trim();
    const timeMs = timeText === '' ? null : parseCsvTime(timeText);
    if (timeMs === null) {
      yield { skip: timeText === '' ? 'missing_time' : 'invalid_time', line };
      continue;
    }
    const heartRate = heartRateOfText(fields[columns!.rate]);
    if (typeof heartRate !== 'number') {
      yield { skip: heartRate.reason, line };
      continue;
    }
    yield { customerId, timeMs, heartRate, line };
  }
  if (columns === undefined) throw new ReplayInputError(file, undefined, 'empty: no CSV header');
}
