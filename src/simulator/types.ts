// The simulator's vocabulary: labelled messages, activities and the log of injected episodes.
import type { MalformedKind } from './malformed.js';

/** What a wearable says its wearer is doing; `exercise` exempts a high heart rate from tachycardia. */
export type Activity = 'sleep' | 'rest' | 'walk' | 'exercise';

/** Activities by their code in the simulator's typed arrays (index = code). */
export const ACTIVITIES: readonly Activity[] = ['sleep', 'rest', 'walk', 'exercise'];

/** How a generated message is meant to end: stored, or rejected as out of range or malformed. */
export type MessageKind = 'valid' | 'out_of_range' | 'malformed';

/**
 * One generated Kafka message with its label. `key` and `value` are what is published
 * (the key is the customer id, so one customer's readings stay ordered on one partition);
 * the other fields are the ground truth for tests, benchmarks and the offline evaluator.
 */
export interface SimMessage {
  key: string;
  value: Buffer;
  kind: MessageKind;
  /** Set when kind is 'malformed'. */
  malformedKind?: MalformedKind;
  /** Event time in epoch ms (the reading's timestamp, whatever format the message carries). */
  eventTime: number;
  /** The heart rate the message was built from (for malformed messages: before it was spoiled). */
  heartRate: number;
  /** The activity the message was built from. */
  activity: Activity;
}

/**
 * Kinds of injected episodes and faults. Each is named after the rule meant to detect it:
 * bradycardia (< 50 bpm), tachycardia (> 110 bpm, at rest, abrupt onset), signal-loss (the device
 * silent for minutes right after a heart-rhythm episode), flatline (the same value repeated).
 * A device taken off the wrist is not an episode: consumer wearables do that every day.
 */
export type EpisodeKind = 'bradycardia' | 'tachycardia' | 'signal-loss' | 'flatline';

/**
 * One injected episode or fault: every reading of `customerId` with an event time in
 * [start, end) (epoch ms) is affected. `end` is planned when the episode starts: clip it to the
 * simulated span when the run stops earlier.
 */
export interface EpisodeRecord {
  customerId: string;
  kind: EpisodeKind;
  start: number;
  end: number;
  /** What the customer's device reports about movement (recall is scored per kind of device). */
  movement?: DeviceMovement;
}

/** What a device sends about movement: an activity label, a step count, or nothing. */
export type DeviceMovement = 'activity' | 'steps' | 'none';
