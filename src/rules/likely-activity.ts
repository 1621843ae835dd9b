// Whether the wearer is likely active, from what the device sends or, when it sends nothing about
// movement, from the heart-rate trajectory itself. Used by tachycardia, whose alerts (like Apple's
// and Fitbit's high-heart-rate notifications) are only for a high rate while inactive. Pure.
import type { Activity, Reading } from '../core/types.js';

/** What the reading says about movement: active, inactive, or nothing (no activity, no steps). */
export type Movement = 'active' | 'inactive' | 'unknown';

/**
 * Steps in the last minute win over the activity label (a pedometer measures, a label is a mode the
 * wearer chose); either is used as sent. `activeActivities` explain a high rate (walk, exercise).
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

/**
 * A reading is "calm" when it is within `marginBpm` of the wearer's resting rate (and at least
 * `marginBpm` below the threshold, so a resting rate learnt during a workout cannot make a workout
 * calm). A run above the threshold that starts within the onset window of a calm reading began
 * abruptly: from rest to a high rate in a few beats, as paroxysmal tachycardias do; exercise takes
 * the heart there over minutes.
 */
export function isCalm(bpm: number, restingBpm: number, thresholdBpm: number, marginBpm: number): boolean {
  return bpm <= Math.min(restingBpm + marginBpm, thresholdBpm - marginBpm);
}
