// Apple Health's export.xml: heart rates are `<Record type="HKQuantityTypeIdentifierHeartRate"
// startDate="2019-01-01 10:00:00 +0100" value="72" unit="count/min" .../>`; every other record
// type is a skip. Streamed through sax (strict), one chunk at a time: exports run to several GB,
// memory holds one chunk and the records it completes. The export names no person: the customer
// is given by the caller (--customer or the file name).
import sax from 'sax';
import { StringDecoder } from 'node:string_decoder';
import { ReplayInputError } from '../../errors.js';
import { heartRateOfText } from '../fields.js';
import { parseIsoLike } from '../time.js';
import type { ParseItem } from '../types.js';

const HEART_RATE = 'HKQuantityTypeIdentifierHeartRate';

/** The item of one <Record> element's attributes at `line`. */
export function recordItem(attributes: Readonly<Record<string, string>>, customerId: string, line: number): ParseItem {
  if (attributes.type !== HEART_RATE) return { skip: 'not_heart_rate', line };
  const start = attributes.startDate;
  if (start === undefined || start.trim() === '') return { skip: 'missing_time', line };
  const timeMs = parseIsoLike(start.trim(), true);
  if (timeMs === null) return { skip: 'invalid_time', line };
  if (attributes.unit !== undefined && attributes.unit !== 'count/min') return { skip: 'unit_not_per_minute', line };
  const heartRate = heartRateOfText(attributes.value);
  return typeof heartRate === 'number' ? { customerId, timeMs, heartRate, line } : { skip: heartRate.reason, line };
}

/**
 * Items of an export.xml byte stream. Malformed XML (or a truncated file) is a ReplayInputError
 * naming the line; a root element other than <HealthData> means the file is not an export.
 */
export async function* parseAppleHealth(chunks: AsyncIterable<Buffer | string>, customerId: string, file: string): AsyncGenerator<ParseItem> {
  const parser = sax.parser(true, { position: true });
  const decoder = new StringDecoder('utf8');
  let pending: ParseItem[] = [];
  let failure: ReplayInputError | undefined;
  let root: string | undefined;
  parser.onerror = (err) => {
    // sax's message carries "Line: / Column:" 0-based; ours names the 1-based line.
    failure ??= new ReplayInputError(file, parser.line + 1, `malformed XML: ${err.message.split('\n')[0]}`, { cause: err });
  };
  parser.onopentag = (tag) => {
    if (root === undefined) {
      root = tag.name;
      if (root !== 'HealthData') failure ??= new ReplayInputError(file, parser.line + 1, `not an Apple Health export: the root element is <${root}>, not <HealthData>`);
    } else if (tag.name === 'Record') {
      pending.push(recordItem(tag.attributes as Record<string, string>, customerId, parser.line + 1));
    }
  };
  const drain = function* (): Generator<ParseItem> {
    if (failure !== undefined) throw failure;
    const items = pending;
    pending = [];
    yield* items;
  };
  for await (const chunk of chunks) {
    // Stop feeding after the first fault: sax would report follow-on errors.
    if (failure === undefined) parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    yield* drain();
  }
  if (failure === undefined) parser.write(decoder.end());
  if (failure === undefined) parser.close();
  if (failure === undefined && root === undefined) failure = new ReplayInputError(file, undefined, 'no XML element in the file');
  yield* drain();
}
