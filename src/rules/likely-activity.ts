// Whether the wearer is likely active, from what the device sends or, when it sends nothing about
// movement, from the heart-rate trajectory itself. Used by tachycardia, whose alerts (like Apple's
// and Fitbit's high-heart-rate notifications) are only for a high rate while inactive, and by
// signal-loss, for which a silence matters after a high rate only when no activity explains it.
// Pure.
import { z } from 'zod';
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

/** How a run above the threshold began, on a device that says nothing about movement. */
export type Onset = 'abrupt' | 'gradual';

/** The onset inference's options, with their defaults: one definition for every rule that infers it. */
export const onsetOptions = {
  /** Without steps or activity: a run that starts within this of a calm reading began abruptly. */
  abruptOnsetMs: z.number().int().positive().default(30_000),
  /** A calm reading is at most this far above the resting rate (and this far below aboveBpm). */
  calmMarginBpm: z.number().positive().default(20),
  /** A reading at or below this is calm whatever the resting rate. */
  calmBelowBpm: z.number().positive().default(80),
  /** Without steps or activity: a run whose first reading rose this much above the two readings before it (within abruptOnsetMs) began abruptly. */
  abruptRiseBpm: z.number().positive().default(30),
};

/** What decides an onset: calm readings and the rise. */
export interface OnsetSettings extends CalmSettings {
  readonly abruptOnsetMs: number;
  readonly abruptRiseBpm: number;
}

/**
 * What the inference remembers of a customer's readings. A rule keeps it as one field of its state,
 * built as a literal: spread into the rule's own object, it cost 275 bytes more per customer (the
 * extra properties went to a separate backing store; npm run bench, rule state per customer).
 */
export interface Trajectory {
  /** Running resting heart rate (bpm). */
  readonly restingBpm: number;
  /** Event time of the latest calm reading. */
  readonly calmAt: number;
  /** The two readings before the next one (bpm, event time), newest first: the rise into a run. */
  readonly prevBpm: number;
  readonly prevAt: number;
  readonly prev2Bpm: number;
  readonly prev2At: number;
}

/** The trajectory after a reading of bpm at t. */
export function nextTrajectory(before: Trajectory | null, bpm: number, t: number, s: CalmSettings): Trajectory {
  const restingBpm = nextRestingBpm(before?.restingBpm, bpm);
  // A calm reading straight after one above the threshold is a sensor dropout (or the first beat
  // of a recovery), not rest: counted, it would make the climb back look abrupt.
  const calm = isCalm(bpm, restingBpm, s) && (before === null || before.prevBpm <= s.aboveBpm);
  return {
    restingBpm, calmAt: calm ? t : before?.calmAt ?? Number.NEGATIVE_INFINITY,
    prevBpm: bpm, prevAt: t, prev2Bpm: before?.prevBpm ?? bpm, prev2At: before?.prevAt ?? t,
  };
}

/**
 * How a run above the threshold whose first reading is bpm at t began: abruptly when it came
 * within abruptOnsetMs of a calm reading, or rose abruptRiseBpm above the two readings before it
 * (within abruptOnsetMs); else gradually, as exercise does. With no readings before, gradual.
 */
export function onsetOf(before: Trajectory | null, bpm: number, t: number, s: OnsetSettings): Onset {
  if (before === null) return 'gradual';
  // The rise counts from the higher of the two readings before (those within the onset window): a
  // jump back from a one-reading dropout is not a rise from rest.
  const from = t - before.prevAt > s.abruptOnsetMs ? Number.POSITIVE_INFINITY
    : t - before.prev2At > s.abruptOnsetMs ? before.prevBpm : Math.max(before.prevBpm, before.prev2Bpm);
  return t - before.calmAt <= s.abruptOnsetMs || bpm - from >= s.abruptRiseBpm ? 'abrupt' : 'gradual';
}
