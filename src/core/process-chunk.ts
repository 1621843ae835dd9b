// The pure core: a chunk of Kafka messages in, { rows, anomalies, rejects } out. Per message:
// quarantine check -> size check -> JSON parse -> shape check -> validator plugins -> table limits
// -> duplicate check -> lateness -> rule plugins -> row. Here each reading's fate is decided; the
// rules are asked through ReadingRules (src/core/reading-rules.ts, implemented by
// src/rules/engine.ts, which keeps the state). Nothing a producer sends can make it throw.
import { DecodeFailure, decodeReading } from './decode.js';
import { MAX_EVENT_TIME } from './input-policy.js';
import type { ReadingRules } from './reading-rules.js';
import { rejectOf } from './reject.js';
import { SeenInChunk } from './seen-in-chunk.js';
import { NOT_STORABLE_REASON, notStorable, storedHeartRate } from './table-limits.js';
import type { Anomaly, ChunkResult, RawMessage, Reading } from './types.js';

/**
 * Messages not to give to the plugins again, by quarantineKey(partition, offset) (one topic is
 * consumed), each with the id of the plugin that ran on it without returning until the watchdog
 * terminated the worker (src/orchestrator/watchdog.ts). Such a message becomes a reject
 * `plugin_timeout:<id>`, so its partition moves on instead of killing every worker it reaches.
 */
export type Quarantine = ReadonlyMap<string, string>;

/** The key of a message in a Quarantine. */
export const quarantineKey = (partition: number, offset: string): string => `${partition}:${offset}`;

/** Reject reason prefix of a quarantined message: plugin_timeout:<plugin id>. */
export const PLUGIN_TIMEOUT = 'plugin_timeout';

const NO_QUARANTINE: Quarantine = new Map();

/**
 * Processes one chunk, in order. `engine` runs the plugins and keeps the per-partition state. `now` is
 * the worker's clock (ms), passed in so the core stays a function of its inputs: it bounds how far
 * the watermark may move (config rules.maxClockSkewMs), and stands in for a message's
 * receivedAt when that is missing or impossible (a Kafka timestamp of -1, or past year 9999).
 * Otherwise outcomes depend only on the messages and the state, so a redelivered chunk gives the
 * same output (unless a reading was ahead of the worker's clock the first time). Anomalies with
 * the same identity (customerId, rule, eventTime) in one chunk are merged: an episode confirmed
 * and ended in the chunk is one anomaly.
 */
export function processChunk(messages: readonly RawMessage[], engine: ReadingRules, now: number, quarantine: Quarantine = NO_QUARANTINE): ChunkResult {
  const rows: ChunkResult['rows'] = [];
  const acceptedTimes = (customerId: string) => {
    const times: number[] = [];
    for (const r of rows) if (r.customerId === customerId) times.push(r.eventTime);
    return times;
  };
  const out: ChunkSoFar = { rows, anomalies: [], rejects: [], seen: new SeenInChunk(acceptedTimes) };
  const policy = engine.decodePolicy;
  for (let message of messages) {
    if (receiveTime(message, now) !== message.receivedAt) message = { ...message, receivedAt: now };
    const stalled = quarantine.size === 0 ? undefined : quarantine.get(quarantineKey(message.partition, message.offset));
    if (stalled !== undefined) {
      out.rejects.push(rejectOf(message, `${PLUGIN_TIMEOUT}:${stalled}`,
        `plugin ${stalled} did not return on this message; its worker thread was terminated each time it was processed`, stalled));
      continue;
    }
    const decoded = decodeReading(message.value, message.receivedAt, policy);
    if (decoded instanceof DecodeFailure) {
      out.rejects.push(rejectOf(message, decoded.reason, decoded.detail, decoded.stage));
    } else {
      engine.open(message);
      try {
        processReading(decoded, message, engine, now, out);
      } finally {
        engine.close();
      }
    }
  }
  return { rows: out.rows, anomalies: mergeAnomalies(out.anomalies), rejects: out.rejects };
}

/** A chunk's output so far; `seen` holds the readings accepted (see seen-in-chunk.ts). */
interface ChunkSoFar extends ChunkResult {
  readonly seen: SeenInChunk;
}

/** Decides the fate of one decoded reading of `message`: a reject, or a row and its anomalies. */
function processReading(reading: Reading, message: RawMessage, engine: ReadingRules, now: number, out: ChunkSoFar): void {
  // Plugins see the heart rate as it will be stored (whole bpm: see table-limits.ts).
  if (!Number.isInteger(reading.heartRate)) reading = { ...reading, heartRate: storedHeartRate(reading.heartRate) };
  const rejection = engine.validate(reading);
  if (rejection !== undefined) {
    out.rejects.push(rejectOf(message, rejection.reason, rejection.detail, rejection.source));
    return;
  }
  // Whatever the validators allow (range disabled, or configured wider than the table), a reading
  // the table would refuse is a reject here, not a write error later.
  const unstorable = notStorable(reading.heartRate);
  if (unstorable !== undefined) {
    out.rejects.push(rejectOf(message, NOT_STORABLE_REASON, unstorable, 'table'));
    return;
  }
  const { customerId, eventTime } = reading;
  const position = engine.position(reading);
  // Within the chunk, or (unless the rule state has seen this offset already) the customer's last reading.
  if (out.seen.has(customerId, eventTime) || (!position.redelivered && position.lastTime === eventTime)) {
    out.rejects.push(rejectOf(message, 'duplicate', `a reading of ${customerId} at ${new Date(eventTime).toISOString()} was already received`, 'dedupe'));
    return;
  }
  // A row is pushed below for every reading added here: the rows are what `seen` holds.
  out.seen.add(customerId, eventTime);
  // Older than its partition's watermark: stored and seen by stateless rules, not by stateful ones.
  const late = eventTime < position.watermark;
  const verdict = engine.judge(reading, late, now);
  for (const report of verdict.reports) out.anomalies.push(report);
  out.rows.push({
    customerId, eventTime, heartRate: reading.heartRate,
    level: verdict.level, late, partition: message.partition, offset: message.offset,
  });
}

/**
 * The message's receive time, or `now` when it has none or an impossible one. A Kafka timestamp is
 * the producer's to set (any int64): beyond the dates we store, it would make range checks
 * meaningless and the reject's received_at unwritable.
 */
export function receiveTime(message: RawMessage, now: number): number {
  return message.receivedAt > 0 && message.receivedAt <= MAX_EVENT_TIME ? message.receivedAt : now;
}

/** One anomaly per identity; a later report of the same identity (an episode's end) completes the earlier one. */
function mergeAnomalies(anomalies: Anomaly[]): Anomaly[] {
  if (anomalies.length < 2) return anomalies;
  const byKey = new Map<string, number>();
  const merged: Anomaly[] = [];
  for (const a of anomalies) {
    const key = `${a.customerId}\u0000${a.rule}\u0000${a.eventTime}`;
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, merged.length);
      merged.push(a);
    } else {
      const first = merged[at]!;
      merged[at] = { ...first, ...a, detail: { ...first.detail, ...a.detail }, episodeEnd: a.episodeEnd ?? first.episodeEnd };
      if (merged[at]!.episodeEnd === undefined) delete merged[at]!.episodeEnd;
    }
  }
  return merged;
}

