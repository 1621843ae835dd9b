// The time arithmetic of a replay, pure: the shift that lands the newest reading on the moment it
// is sent, when each reading falls due at a speed, and whether the oldest will still pass the
// `range` validator's maximum age.

/** What a replay does with time. */
export interface ReplayPlan {
  /** Added to every recorded time: a whole number of seconds, so stored times keep the recording's alignment. */
  shiftMs: number;
  /** Wall time the first reading falls due. */
  startMs: number;
  /** Oldest recorded time (the schedule's origin). */
  oldestMs: number;
  /** Times real time; Infinity: as fast as the broker takes it. */
  speed: number;
}

/**
 * The plan for readings recorded from oldestMs to newestMs, starting at nowMs. As fast as possible,
 * the newest reading is stamped now. Paced at N×, reading t is sent at now + (t - oldest) / N and the
 * newest is stamped with the time it falls due, so no reading is ever stamped in the future (the
 * consumer rejects those) and at 1× every reading is stamped the moment it is sent, like a live device.
 */
export function planReplay(oldestMs: number, newestMs: number, nowMs: number, speed: number): ReplayPlan {
  const endMs = nowMs + (Number.isFinite(speed) ? (newestMs - oldestMs) / speed : 0);
  return { shiftMs: Math.floor((endMs - newestMs) / 1000) * 1000, startMs: nowMs, oldestMs, speed };
}

/** Wall time at which a reading recorded at timeMs falls due (startMs for every reading when unpaced). */
export function dueAt(plan: ReplayPlan, timeMs: number): number {
  return Number.isFinite(plan.speed) ? plan.startMs + Math.max(0, timeMs - plan.oldestMs) / plan.speed : plan.startMs;
}

/**
 * Age the oldest reading will have when it is sent on schedule: the span, less the part of it
 * that passes while the replay runs (all of it at 1×, none when unpaced).
 */
export function oldestAgeMs(oldestMs: number, newestMs: number, speed: number): number {
  const span = newestMs - oldestMs;
  return Number.isFinite(speed) ? span * (1 - 1 / speed) : span;
}

/** Room kept under the maximum age for the time between our check and the broker's timestamp. */
export const MAX_AGE_MARGIN_MS = 60_000;
