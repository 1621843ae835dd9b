// The data types of the pure core: what goes into processChunk (Kafka messages) and what comes out
// (rows, anomalies, rejects). Plugins see only Reading; the worker sees the rest.

/** One Kafka message as the worker fetched it. */
export interface RawMessage {
  /** The bytes as received; null is a tombstone. */
  readonly value: Buffer | null;
  readonly key: Buffer | null;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset (int64 as a decimal string). */
  readonly offset: string;
  /**
   * When the message was received, in ms since the epoch. Use the Kafka message timestamp so a
   * redelivered message gets the same value (range checks depend on it). The producer may set it:
   * the watermark is bounded by the worker's clock instead (processChunk's `now`).
   */
  readonly receivedAt: number;
}

/** What the wearable was doing, as the device reports it. */
export type Activity = 'sleep' | 'rest' | 'walk' | 'exercise';
export const ACTIVITIES: readonly Activity[] = Object.freeze(['sleep', 'rest', 'walk', 'exercise']);

/** A reading that passed the shape check: what validators and rules receive. Never mutate it. */
export interface Reading {
  readonly customerId: string;
  /** Event time: when the device measured, in ms since the epoch. */
  readonly eventTime: number;
  /** Beats per minute. */
  readonly heartRate: number;
  readonly deviceId: string | undefined;
  readonly activity: Activity | undefined;
  /**
   * Steps the device counted in the minute before the reading, when it reports them: movement that
   * explains a high heart rate on devices that send no activity.
   */
  readonly steps?: number | undefined;
  /** Receive time of the message carrying it (RawMessage.receivedAt). */
  readonly receivedAt: number;
}

/** Heart-rate class of a reading, set by the `level` plugin. */
export type Level = 'critical_low' | 'low' | 'normal' | 'elevated' | 'high' | 'critical_high';
export const LEVELS: readonly Level[] = Object.freeze(['critical_low', 'low', 'normal', 'elevated', 'high', 'critical_high']);

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = Object.freeze(['info', 'warning', 'critical']);

/** A stored reading. Identity: (customerId, eventTime). */
export interface ReadingRow {
  customerId: string;
  eventTime: number;
  heartRate: number;
  /** null when no enabled plugin classifies readings. */
  level: Level | null;
  /** Older than the partition's watermark when it arrived: stored, but not seen by stateful rules. */
  late: boolean;
  partition: number;
  offset: string;
}

/**
 * An anomaly. Identity: (customerId, rule, eventTime). An episode rule reports the same identity
 * twice: when the episode is confirmed (episodeEnd undefined: ongoing) and when it ends (episodeEnd
 * set); the store should upsert episodeEnd. Within one batch the two are merged into one.
 */
export interface Anomaly {
  customerId: string;
  /** Point anomalies: the reading's event time. Episodes: the episode start. */
  eventTime: number;
  /** The id of the plugin that reported it. */
  rule: string;
  severity: Severity;
  /** JSON-able: { messageId, message, ...data }. */
  detail: Record<string, unknown>;
  episodeStart?: number;
  episodeEnd?: number;
}

/**
 * Who rejected a message: the parser, the shape check, duplicate detection, the heartbeats table's
 * limits (`table`, checked by the core before the write), PostgreSQL itself (`store`, which refused
 * the row), or a validator plugin id.
 */
export type RejectSource = 'parse' | 'schema' | 'dedupe' | 'table' | 'store' | (string & {});

/** A message that was not stored as a reading, kept with a stable reason. */
export interface Reject {
  /** The bytes as received (empty for a tombstone). */
  raw: Buffer;
  /** Stable, machine-readable: invalid_json, missing_field:heart_rate, heart_rate_out_of_range, ... */
  reason: string;
  /** Human-readable explanation. */
  detail: string;
  validator: RejectSource;
  topic: string;
  partition: number;
  offset: string;
  receivedAt: number;
}

/** The result of one batch: what the worker writes, in one transaction, before committing offsets. */
export interface ChunkResult {
  rows: ReadingRow[];
  anomalies: Anomaly[];
  rejects: Reject[];
}
