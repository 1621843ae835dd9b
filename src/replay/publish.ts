// Pass 2 of a replay: shifts each reading's time, rounds its heart rate, encodes it as the app's
// reading message (key: customer id) and sends it in batches, on schedule when paced. Readings that
// would be older than the `range` validator's maximum age when sent are skipped: the consumer would
// only reject them.
import type { OutboundMessage } from '../kafka/producer.js';
import { systemClock, type PacerClock } from '../simulator/pacer.js';
import { dueAt, MAX_AGE_MARGIN_MS, type ReplayPlan } from './plan.js';
import type { ParsedReading } from './types.js';

/** Most readings per send. */
export const SEND_BATCH = 5000;

/** Options of publishReadings. */
export interface PublishOptions {
  plan: ReplayPlan;
  /** The `range` validator's maxAgeMs (null: no limit, the validator is disabled). */
  maxAgeMs: number | null;
  send(messages: OutboundMessage[]): Promise<void>;
  /** Called after each send with the readings sent so far. */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
  clock?: PacerClock;
}

/** What pass 2 did. */
export interface PublishResult {
  sent: number;
  /** Heart rates that were not whole numbers, sent rounded. */
  rounded: number;
  /** Readings not sent: older than the maximum age when due. */
  tooOld: number;
  customers: number;
  /** Shifted times of the oldest and newest reading sent (NaN when none). */
  oldestSentMs: number;
  newestSentMs: number;
  /** True when the signal stopped it before the end. */
  interrupted: boolean;
}

/**
 * The wire message of a reading at a shifted time. Heart rates are rounded to the nearest whole bpm:
 * the consumer refuses fractions by default (input.wholeNumberHeartRate), devices show whole bpm, and
 * half a beat per minute is far inside a wearable's error.
 */
export function readingMessage(customerId: string, timeMs: number, heartRate: number): OutboundMessage {
  return { key: customerId, value: JSON.stringify({ customer_id: customerId, timestamp: new Date(timeMs).toISOString(), heart_rate: Math.round(heartRate) }) };
}

/** Sends the readings (already in send order) as the plan says. */
export async function publishReadings(readings: AsyncIterable<ParsedReading>, options: PublishOptions): Promise<PublishResult> {
  const { plan, maxAgeMs, send, onProgress, signal } = options;
  const clock = options.clock ?? systemClock;
  const result: PublishResult = { sent: 0, rounded: 0, tooOld: 0, customers: 0, oldestSentMs: Number.NaN, newestSentMs: Number.NaN, interrupted: false };
  const customers = new Set<string>();
  const stopped = () => signal?.aborted === true;
  let batch: OutboundMessage[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await send(batch);
    result.sent += batch.length;
    batch = [];
    onProgress?.(result.sent);
  };
  for await (const r of readings) {
    if (stopped()) break;
    const due = dueAt(plan, r.timeMs);
    if (due > clock.now()) {
      // Paced: what is due goes now, then wait for this one (a timer: nothing else to await).
      await flush();
      await clock.sleep(due - clock.now(), signal);
      if (stopped()) break;
    }
    const timeMs = r.timeMs + plan.shiftMs;
    if (maxAgeMs !== null && timeMs < clock.now() - maxAgeMs + MAX_AGE_MARGIN_MS) {
      result.tooOld += 1;
      continue;
    }
    if (!Number.isInteger(r.heartRate)) result.rounded += 1;
    customers.add(r.customerId);
    if (!(timeMs >= result.oldestSentMs)) result.oldestSentMs = timeMs;
    if (!(timeMs <= result.newestSentMs)) result.newestSentMs = timeMs;
    batch.push(readingMessage(r.customerId, timeMs, r.heartRate));
    if (batch.length >= SEND_BATCH) await flush();
  }
  await flush();
  result.interrupted = stopped();
  result.customers = customers.size;
  return result;
}
