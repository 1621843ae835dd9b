// Whether the wearer is likely active, from what the device sends or, when it sends nothing about
// movement, from the heart-rate trajectory itself. Used by tachycardia, whose alerts (like Apple's
// and Fitbit's high-heart-rate notifications) are only for a high rate while inactive. Pure.
import type { Activity, Reading } from '../core/types.js';

/** What the reading says about movement: active, inactive, or nothing (no activity, no steps). */
export type Movement = 'active' | 'inactive' | 'unknown';

/**
 * Active when the steps in the last minute reach `activeStepsPerMinute` or the activity label is
 * one of `activeActivities` (walk, exercise): either explains a high rate (a cyclist takes few
 * steps). Inactive when the device sent steps or a label and neither says active.
 */
export function movementOf(reading: Reading, activeActivities: readonly Activity[], activeStepsPerMinute: number): Movement {
  if (reading.steps !== undefined) return reading.steps >= activeStepsPerMinute || (reading.activity !== undefined && activeActivities.includes(reading.activity)) ? 'active' : 'inactive';
  if (reading.activity !== undefined) return activeActivities.includes(reading.activity) ? 'active' : 'inactive';
  return 'unknown';
}

/**
 * The wearer's resting heart rate, learnt per reading as a running 10th percentile (a stochastic
 * quantile estimate: down 0.18 bpm on a reading below it, up 0.02 on one above). It settles within
 * an hour of readings and a workout moves it by a few bpm only, unlike a mean.
 */
export function nextRestingBpm(resting: number | undefined, bpm: number): number {
  if (resting === undefined) return bpm;
  return bpm < resting ? resting - 0.18 : resting + 0.02;
}

/** What makes a reading calm. */
export interface CalmSettings {
  /** The high-rate threshold (tachycardia's aboveBpm). */
  readonly aboveBpm: number;
  /** Calm: within this of the resting rate, and at least this below the threshold. */
  readonly calmMarginBpm: number;
  /** Calm whatever the resting rate. */
  readonly calmBelowBpm: number;
}

/**
 * A reading is "calm" at or below calmBelowBpm, or within calmMarginBpm of the wearer's resting
 * rate (for people whose resting rate is high) but at least calmMarginBpm below the threshold, so a
 * resting rate learnt during a workout cannot make a workout calm. A run above the threshold that
 * starts within the onset window of a calm reading began abruptly: from rest to a high rate in a
 * few beats, as paroxysmal tachycardias do; exercise takes the heart there over minutes (in the
 * recordings, a rise from 90 to above 110 bpm took over a minute in nearly nine of ten cases).
 */
export function isCalm(bpm: number, restingBpm: number, s: CalmSettings): boolean {
  return bpm <= Math.max(s.calmBelowBpm, Math.min(restingBpm + s.calmMarginBpm, s.aboveBpm - s.calmMarginBpm));
}
