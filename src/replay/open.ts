// Opens a recording: reads its first bytes to tell gzip from plain and the format from the content
// (CSV header, FHIR JSON/NDJSON, Apple Health XML), then gives a fresh stream of its items per pass.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ReplayInputError } from '../errors.js';
import { customerIdOf } from './fields.js';
import { parseAppleHealth } from './formats/apple-health.js';
import { csvColumns, parseCsv } from './formats/csv.js';
import { isFhirResource, parseFhirDocument, parseFhirNdjson } from './formats/fhir.js';
import { linesOf } from './lines.js';
import type { ParseItem } from './types.js';

export type RecordingFormat = 'csv' | 'fhir-ndjson' | 'fhir-json' | 'apple-health';

/** A readable recording of a known format. */
export interface Recording {
  file: string;
  format: RecordingFormat;
  gzip: boolean;
  /** Opens the file anew and yields its items in file order (each pass reads it again: nothing is held). */
  items(): AsyncGenerator<ParseItem>;
}

/** Options of openRecording. */
export interface OpenOptions {
  /** Customer of Apple Health exports (which name nobody); default: the file name without extensions. */
  customer?: string;
}

/** Bytes of decompressed text read to tell the format. */
const HEAD_BYTES = 64 * 1024;
/** Largest FHIR JSON document read whole (a Bundle); larger recordings come as NDJSON. */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

/** The decompressed bytes of a file; a read or gzip failure rejects the iteration with ReplayInputError. */
async function* bytesOf(file: string, gzip: boolean): AsyncGenerator<Buffer> {
  const source = createReadStream(file, { highWaterMark: 64 * 1024 });
  // pipeline passes a read error on to the gunzip stream being iterated, and tears both down when
  // the iteration stops early.
  const stream = gzip ? pipeline(source, createGunzip(), () => undefined) : source;
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (cause) {
    if (cause instanceof ReplayInputError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    const what = gzip && code !== undefined && code.startsWith('Z_') ? 'malformed gzip' : 'cannot read';
    throw new ReplayInputError(file, undefined, `${what}: ${(cause as Error).message}`, { cause });
  }
}

/** Up to HEAD_BYTES of the decompressed text (without a BOM). */
async function headOf(file: string, gzip: boolean): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of bytesOf(file, gzip)) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= HEAD_BYTES) break;
  }
  const text = Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The format of a file from its name (without .gz) and first bytes, or null when none fits. */
export function detectFormat(name: string, head: string): RecordingFormat | null {
  const start = head.trimStart();
  if (start.startsWith('<')) return 'apple-health';
  if (start.startsWith('{')) {
    if (/\.(ndjson|jsonl)$/i.test(name)) return 'fhir-ndjson';
    const firstLine = start.split('\n', 1)[0]!;
    try {
      if (isFhirResource(JSON.parse(firstLine))) return 'fhir-ndjson';
    } catch {
      // A document spread over lines (a pretty-printed Bundle): read whole.
    }
    return 'fhir-json';
  }
  const firstLine = start.split('\n', 1)[0]!.replace(/\r$/, '');
  return csvColumns(firstLine) === null ? null : 'csv';
}

async function documentText(file: string, gzip: boolean): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of bytesOf(file, gzip)) {
    size += chunk.length;
    if (size > MAX_DOCUMENT_BYTES) {
      throw new ReplayInputError(file, undefined, `a FHIR JSON document over ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB is not read whole: give it as NDJSON (one resource per line), which streams`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The customer of an Apple Health export: --customer, else its file name without extensions. */
function appleCustomer(file: string, options: OpenOptions): string {
  const raw = options.customer ?? path.basename(file).replace(/\.gz$/i, '').replace(/\.xml$/i, '');
  const id = customerIdOf(raw);
  if (typeof id !== 'string') throw new ReplayInputError(file, undefined, `${JSON.stringify(raw)} cannot be a customer id (${id.reason}): give one with --customer`);
  return id;
}

/** Opens a recording: ReplayInputError when it is missing, unreadable, not gzip though it says so, or of no known format. */
export async function openRecording(file: string, options: OpenOptions = {}): Promise<Recording> {
  let gzip: boolean;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      gzip = bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw new ReplayInputError(file, undefined, `cannot read: ${(cause as Error).message}`, { cause });
  }
  if (!gzip && /\.gz$/i.test(file)) throw new ReplayInputError(file, undefined, 'malformed gzip: the file does not start with the gzip magic bytes');
  const name = path.basename(file).replace(/\.gz$/i, '');
  const format = detectFormat(name, await headOf(file, gzip));
  if (format === null) {
    throw new ReplayInputError(file, 1, 'not a known format: expected a CSV with an id,time,hr (or Id,Time,Value) header, FHIR JSON or NDJSON, or an Apple Health export.xml');
  }
  const customer = format === 'apple-health' ? appleCustomer(file, options) : '';
  const items = (): AsyncGenerator<ParseItem> => {
    switch (format) {
      case 'csv': return parseCsv(linesOf(bytesOf(file, gzip)), file);
      case 'fhir-ndjson': return parseFhirNdjson(linesOf(bytesOf(file, gzip)));
      case 'apple-health': return parseAppleHealth(bytesOf(file, gzip), customer, file);
      case 'fhir-json': return (async function* () { yield* parseFhirDocument(await documentText(file, gzip), file); })();
    }
  };
  return { file, format, gzip, items };
}
