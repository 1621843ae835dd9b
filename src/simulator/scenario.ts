// Deterministic payloads `heartbeat scenario` publishes, each with the outcome it must have,
// and a large corpus of bad messages (mixed into valid traffic) for robustness tests.
import { ReadingEncoder } from './encode.js';
import type { Level } from '../core/types.js';
import { MALFORMED_KINDS, malformedReason, malformedValue, OUT_OF_RANGE_REASON, type RejectReason } from './malformed.js';
import { Random } from './random.js';
import { createSimulator } from './simulator.js';
import type { SimMessage } from './types.js';

/**
 * The level a stored scenario reading must get. The cases stay clear of the level plugin's
 * boundaries: 35 critical_low, 45 low, 68-72 normal, 130-150 elevated, 180 high, 210 critical_high.
 */
export type ReadingLevel = Level;

/** What must happen to a scenario message: stored with a level and rule ids, or rejected with a reason. */
export type ExpectedOutcome =
  | { outcome: 'stored'; level: ReadingLevel; anomalies: string[] }
  | { outcome: 'rejected'; reason: RejectReason };

/** One scenario message. Each case has its own customer, so per-customer rule state never mixes. */
export interface ScenarioCase {
  name: string;
  description: string;
  key: string;
  value: Buffer;
  expected: ExpectedOutcome;
}

const stored = (level: ReadingLevel, anomalies: string[] = []): ExpectedOutcome => ({ outcome: 'stored', level, anomalies });
const rejected = (reason: RejectReason): ExpectedOutcome => ({ outcome: 'rejected', reason });

/** The scenario cases, timestamped one second apart from baseMs. */
export function scenarioCases(baseMs: number): ScenarioCase[] {
  const base = Math.floor(baseMs);
  const encoder = new ReadingEncoder();
  let n = 0;
  const next = () => {
    n++;
    return { key: `SCENARIO-${String(n).padStart(2, '0')}`, t: base + n * 1000 };
  };
  const reading = (name: string, description: string, bpm: number, expected: ExpectedOutcome, extra: { activity?: string; deviceId?: string; epoch?: boolean } = {}): ScenarioCase => {
    const { key, t } = next();
    return { name, description, key, value: encoder.value(key, t, extra.epoch === true, bpm, extra.deviceId, extra.activity), expected };
  };
  const raw = (name: string, description: string, make: (key: string, iso: string) => string, expected: ExpectedOutcome): ScenarioCase => {
    const { key, t } = next();
    return { name, description, key, value: Buffer.from(make(key, encoder.isoOf(t)), 'utf8'), expected };
  };
  return [
    reading('valid-normal', '72 bpm at rest: stored, no anomaly', 72, stored('normal'), { activity: 'rest' }),
    reading('valid-normal-epoch', '68 bpm, epoch-ms timestamp, device id, no activity: stored, no anomaly', 68, stored('normal'), { epoch: true, deviceId: 'WB-0000abcd' }),
    // One reading is a level, not an episode: bradycardia and tachycardia alert after 10 minutes.
    reading('valid-low', '45 bpm: stored as low (one reading is not a bradycardia episode)', 45, stored('low')),
    reading('valid-high', '130 bpm at rest: stored as elevated (one reading is not a tachycardia episode)', 130, stored('elevated'), { activity: 'rest' }),
    reading('valid-high-exercise', '150 bpm while exercising: stored as elevated', 150, stored('elevated'), { activity: 'exercise' }),
    reading('valid-very-high', '180 bpm at rest: stored as high', 180, stored('high'), { activity: 'rest' }),
    reading('valid-critical-low', '35 bpm: stored as critical_low', 35, stored('critical_low')),
    reading('valid-critical-high', '210 bpm at rest: stored as critical_high', 210, stored('critical_high'), { activity: 'rest' }),
    reading('out-of-range-low', '15 bpm, below 20: rejected', 15, rejected(OUT_OF_RANGE_REASON)),
    reading('out-of-range-high', '260 bpm, above 250: rejected', 260, rejected(OUT_OF_RANGE_REASON)),
    raw('malformed-bad-json', 'unquoted key: not JSON, rejected', (k, iso) => `{"customer_id":"${k}","timestamp":"${iso}",heart_rate:72}`, rejected(malformedReason('bad-json'))),
    raw('malformed-missing-heart-rate', 'no heart_rate: rejected', (k, iso) => `{"customer_id":"${k}","timestamp":"${iso}"}`, rejected(malformedReason('missing-heart-rate'))),
    raw('malformed-heart-rate-string', 'heart_rate "72" as a string: rejected', (k, iso) => `{"customer_id":"${k}","timestamp":"${iso}","heart_rate":"72"}`, rejected(malformedReason('heart-rate-string'))),
    raw('malformed-heart-rate-fraction', 'heart_rate 75.5: rejected', (k, iso) => `{"customer_id":"${k}","timestamp":"${iso}","heart_rate":75.5}`, rejected(malformedReason('heart-rate-fraction'))),
    raw('malformed-timestamp-no-zone', 'timestamp without a time zone: rejected', (k, iso) => `{"customer_id":"${k}","timestamp":"${iso.slice(0, -1)}","heart_rate":72}`, rejected(malformedReason('timestamp-no-zone'))),
    raw('malformed-non-object', 'a JSON array instead of an object: rejected', (k, iso) => `["${k}","${iso}",72]`, rejected(malformedReason('non-object-json'))),
  ];
}

/** Options of badMessageCorpus and robustnessTraffic. */
export interface CorpusOptions {
  /** Bad messages (default 10,000). */
  count?: number;
  seed?: number;
  /** Event time of the first message (epoch ms). */
  startMs: number;
  /** Customers the messages are spread over (default 1,000). */
  customers?: number;
}

/**
 * Bad messages cycling through every malformed kind and out-of-range values, with random
 * customers, heart rates and timestamp formats; deterministic for a seed.
 */
export function badMessageCorpus(options: CorpusOptions): SimMessage[] {
  const { count = 10_000, seed = 1, startMs, customers = 1000 } = options;
  const rnd = new Random(seed);
  const encoder = new ReadingEncoder();
  const kinds = MALFORMED_KINDS.length + 1; // the extra one is out of range
  const width = Math.max(5, String(customers - 1).length);
  const messages: SimMessage[] = [];
  for (let k = 0; k < count; k++) {
    const key = `CUST-${String(rnd.int(0, customers - 1)).padStart(width, '0')}`;
    const t = Math.floor(startMs) + k * 10;
    const epoch = rnd.chance(0.1);
    const activity = rnd.pick(['rest', 'walk', 'sleep'] as const);
    const malformedKind = MALFORMED_KINDS[k % kinds];
    if (malformedKind === undefined) {
      const heartRate = rnd.chance(0.5) ? rnd.int(0, 19) : rnd.int(251, 400);
      messages.push({ key, value: encoder.value(key, t, epoch, heartRate, undefined, activity), kind: 'out_of_range', eventTime: t, heartRate, activity });
    } else {
      const heartRate = rnd.int(40, 180);
      const value = malformedValue(malformedKind, encoder.fields(key, t, epoch, heartRate, undefined, activity), rnd);
      messages.push({ key, value, kind: 'malformed', malformedKind, eventTime: t, heartRate, activity });
    }
  }
  return messages;
}

/**
 * The bad corpus mixed at seeded random places into valid simulated traffic, `validPerBad`
 * valid readings per bad message on average (default 4), in event-time order of the valid ones.
 */
export function robustnessTraffic(options: CorpusOptions & { validPerBad?: number }): SimMessage[] {
  const bad = badMessageCorpus(options);
  const validPerBad = options.validPerBad ?? 4;
  const sim = createSimulator({
    customers: options.customers ?? 1000, seed: options.seed ?? 1, startMs: options.startMs, rate: 1000,
    outOfRangeShare: 0, malformedShare: 0, keepEpisodes: false,
  });
  const valid = sim.nextBatch(Number.POSITIVE_INFINITY, bad.length * validPerBad);
  sim.close();
  const rnd = new Random((options.seed ?? 1) ^ 0x5eed);
  const mixed: SimMessage[] = [];
  let b = 0;
  for (const message of valid) {
    mixed.push(message);
    if (b < bad.length && rnd.chance(1 / validPerBad)) mixed.push(bad[b++]!);
  }
  while (b < bad.length) mixed.push(bad[b++]!);
  return mixed;
}
