// What processChunk asks of the rules, one reading at a time. Defined here, in the core, so the
// core imports nothing above it: src/rules/engine.ts implements it. The core decides a reading's
// fate (decode, table limits, duplicate, lateness, row, reject); the rules answer with what the
// plugins said (a validator's rejection, reports, a level) and write into no array of the core's.
// The rules also keep the event-time state the core decides with (watermark, last offset, the
// customer's last reading), because it shares one undo log with the rule state: a failed write
// rolls both back together.
import type { DecodePolicy } from './decode.js';
import type { Anomaly, Level, RawMessage, Reading, RejectSource } from './types.js';

/** Why a validator refused a reading. */
export interface Rejection {
  /** Stable, machine-readable, e.g. heart_rate_out_of_range or validator_failed:<id>. */
  readonly reason: string;
  readonly detail: string;
  /** The validator's plugin id. */
  readonly source: RejectSource;
}

/** Where a validated reading stands in its partition, before the core accepts or refuses it. */
export interface Position {
  /** Its offset is at or below the partition's last one processed: the rule state has seen it. */
  readonly redelivered: boolean;
  /** The partition's watermark before this reading: an older event time is late. */
  readonly watermark: number;
  /** Event time of the customer's last accepted reading in the partition; NaN when none. */
  readonly lastTime: number;
}

/** The rules' answer on an accepted reading. */
export interface Verdict {
  /** Reports, in the order made: the timers its watermark advance fired, then the rules' on it. */
  readonly reports: readonly Anomaly[];
  /** Its heart-rate class; null when no plugin classified it. */
  readonly level: Level | null;
}

/**
 * The rules as processChunk calls them, per reading: open, validate, (position, judge), close.
 * What a call returns is the rules' own object, valid until their next call: nothing is allocated
 * per reading to answer.
 */
export interface ReadingRules {
  /** The input policy messages are decoded with. */
  readonly decodePolicy: DecodePolicy;
  /** A reading of `message` starts (shown to the watchdog until close(); always close it). */
  open(message: RawMessage): void;
  /** The validators' verdict on it: a rejection, or undefined when all let it through. */
  validate(reading: Reading): Rejection | undefined;
  /** Its position in the partition's event time (call once the core would store it). */
  position(reading: Reading): Position;
  /**
   * The reading is accepted (not a duplicate), `late` or not: the rules record it, move the
   * watermark (bounded by the worker's clock `now`, ms), fire the timers now due, and run on it.
   */
  judge(reading: Reading, late: boolean, now: number): Verdict;
  /** The reading is done. */
  close(): void;
}
