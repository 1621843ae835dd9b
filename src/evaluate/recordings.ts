// The real-data half of `heartbeat evaluate --data`: streams unlabeled recordings (any format
// `heartbeat replay` reads, through its parsers) through the pure core with the loaded rules, no
// Kafka, no database, and keeps each engine's anomalies plus the customer-days the readings cover.
//
//   files ──open, scan──▶ per-customer streams ──merge by event time──▶ [first N days per customer]
//         ──▶ message (one partition per customer) ──▶ processChunk, per engine ──▶ detections
//
// Order, as the pipeline would see it: `heartbeat replay` merges all readings by event time (each
// customer's in file order) and the producer keys them by customer, so each partition holds its
// customers' readings in that order. Here every customer gets a partition of its own: the engine
// keeps a watermark per partition, so this is the key partitioner without the chance that two
// customers share one (which only matters for a reading late against the other's clock).
import { processChunk } from '../core/process-chunk.js';
import type { RawMessage } from '../core/types.js';
import { mergeByTime, streamsOf } from '../replay/merge.js';
import { openRecording } from '../replay/open.js';
import { readingMessage } from '../replay/publish.js';
import { scanRecording } from '../replay/scan.js';
import type { ParsedReading } from '../replay/types.js';
import { RuleEngine, type EngineOptions } from '../rules/engine.js';
import type { LoadedPlugin } from '../rules/loader.js';
import { setImmediate } from 'node:timers/promises';
import { detectionCollector, type Detection } from './replay.js';
import { TrafficProfile, type TrafficFigures } from './traffic-profile.js';

const DAY_MS = 86_400_000;
const TOPIC = 'evaluate-data';
/** receivedAt = event time + this, as in the simulated replay: a device with a good connection. */
const RECEIVE_DELAY_MS = 50;
/** Readings between two engine commits (a worker commits after each written chunk). */
const COMMIT_EVERY = 1000;

/** One set of rules to run over the recordings (the sweep runs several in one read). */
export interface EngineVariant {
  plugins: readonly LoadedPlugin[];
  engine: EngineOptions;
}

/** What one variant reported over the recordings. */
export interface VariantResult {
  /** In emission order, one per stored anomaly row. */
  detections: Detection[];
  rejects: number;
}

/** What was read, and what each variant made of it. */
export interface RecordingsResult {
  readings: number;
  customers: number;
  /**
   * Customer-days: UTC days of a customer with at least one reading, as `customer\u0000YYYY-MM-DD`.
   * Why this unit: an alert reaches a person on a day they wore the device; counting covered
   * hours / 24 instead would inflate the rate for people who wear it a few hours a day.
   */
  customerDays: Set<string>;
  /** Readings skipped by the parsers (rows or records that cannot be a reading). */
  skipped: number;
  variants: VariantResult[];
  /** What the recorded readings look like (for the side-by-side with the simulator). */
  traffic: TrafficFigures;
}

/** Options of replayRecordings. */
export interface RecordingsOptions {
  /** Only the readings of each customer's first this many UTC days with readings (bounds runtime). */
  sampleDays?: number;
  signal?: AbortSignal;
  onProgress?: (readings: number) => void;
}

/** The customer-day key of a reading. */
export const customerDayOf = (customerId: string, timeMs: number) => `${customerId}\u0000${new Date(timeMs).toISOString().slice(0, 10)}`;

/** Keeps only each customer's first `days` UTC days with readings. */
async function* firstDays(readings: AsyncIterable<ParsedReading>, days: number): AsyncGenerator<ParsedReading> {
  const seen = new Map<string, Set<number>>();
  for await (const r of readings) {
    const day = Math.floor(r.timeMs / DAY_MS);
    let mine = seen.get(r.customerId);
    if (mine === undefined) seen.set(r.customerId, (mine = new Set()));
    if (!mine.has(day)) {
      if (mine.size >= days) continue;
      mine.add(day);
    }
    yield r;
  }
}

/** Runs the recordings through every variant; rejects with ReplayInputError for an unreadable file. */
export async function replayRecordings(files: readonly string[], variants: readonly EngineVariant[], options: RecordingsOptions = {}): Promise<RecordingsResult> {
  const streams = [];
  let skipped = 0;
  for (const file of files) {
    const recording = await openRecording(file);
    const stats = await scanRecording(recording);
    for (const s of stats.skips.values()) skipped += s.count;
    streams.push(...streamsOf(recording, stats).streams);
  }
  const engines = variants.map((v) => new RuleEngine(v.plugins, v.engine));
  const results: VariantResult[] = variants.map(() => ({ detections: [], rejects: 0 }));
  const keep = results.map((r) => detectionCollector(r.detections));
  const partitions = new Map<string, { partition: number; offset: number }>();
  const customerDays = new Set<string>();
  const traffic = new TrafficProfile();
  let readings = 0;

  const merged = mergeByTime(streams);
  for await (const r of options.sampleDays === undefined ? merged : firstDays(merged, options.sampleDays)) {
    let place = partitions.get(r.customerId);
    if (place === undefined) partitions.set(r.customerId, (place = { partition: partitions.size, offset: 0 }));
    const message = readingMessage(r.customerId, r.timeMs, r.heartRate);
    const raw: RawMessage = {
      value: Buffer.from(message.value as string), key: null, topic: TOPIC, partition: place.partition,
      offset: String(place.offset++), receivedAt: r.timeMs + RECEIVE_DELAY_MS,
    };
    customerDays.add(customerDayOf(r.customerId, r.timeMs));
    traffic.add(r.customerId, r.timeMs, r.heartRate);
    readings += 1;
    for (let i = 0; i < engines.length; i++) {
      const out = processChunk([raw], engines[i]!, raw.receivedAt);
      results[i]!.rejects += out.rejects.length;
      for (const a of out.anomalies) keep[i]!(a, r.timeMs);
    }
    if (readings % COMMIT_EVERY === 0) {
      for (const engine of engines) engine.commit();
      options.onProgress?.(readings);
      await setImmediate();
      options.signal?.throwIfAborted();
    }
  }
  for (const engine of engines) engine.commit();
  return { readings, customers: partitions.size, customerDays, skipped, variants: results, traffic: traffic.figures() };
}
