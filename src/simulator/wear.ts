// How wearables are worn and what they say about movement. "consumer" devices behave like the
// recordings in ../shared/data (Fitbits): taken off to charge, for a night, or slipping loose for
// a few minutes, and half of them report nothing about movement. "ideal" devices are always worn
// and label every reading with the activity: the steady traffic throughput runs want.
import { EXERCISE, REST, SLEEP, WALK, type Population } from './population.js';
import type { Random } from './random.js';
import type { DeviceMovement } from './types.js';

/** What kind of devices the simulated customers wear. */
export type DeviceRealism = 'consumer' | 'ideal';
export const DEVICE_REALISMS: readonly DeviceRealism[] = ['consumer', 'ideal'];

/** Population.movement codes. */
export const NO_MOVEMENT = 0;
export const ACTIVITY_LABELS = 1;
export const STEP_COUNTS = 2;
/** Population.movement codes by name, as episode records carry them. */
export const MOVEMENT_NAMES: readonly DeviceMovement[] = ['none', 'activity', 'steps'];

/** Consumer fleets: shares of devices sending an activity label or a step count; the rest (half) send neither. */
const LABEL_SHARE = 0.35;
const STEPS_SHARE = 0.15;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Off-wrist spells, per day of waking hours worn (so fewer per calendar day) and their length in
 * minutes. Calibrated by `heartbeat evaluate --data` against the recordings, which have about two
 * gaps of 1-5 minutes, one and three quarters of 5-60 minutes and one over an hour per
 * customer-day (nights without the watch included); docs/alert-quality.md has both side by side.
 */
const OFF_SPELLS: ReadonlyArray<{ perDay: number; minutes: readonly [number, number] }> = [
  { perDay: 2.5, minutes: [1, 5] },
  { perDay: 1.2, minutes: [5, 60] },
  { perDay: 0.7, minutes: [60, 240] },
];
/** Share of nights the watch stays off (on the charger) from bedtime to waking. */
const NIGHT_OFF_SHARE = 0.6;

/** Assigns each customer's device what it reports about movement. */
export function assignMovement(pop: Population, rnd: Random, devices: DeviceRealism): void {
  for (let i = 0; i < pop.size; i++) {
    if (devices === 'ideal') pop.movement[i] = ACTIVITY_LABELS;
    else {
      const r = rnd.float();
      pop.movement[i] = r < LABEL_SHARE ? ACTIVITY_LABELS : r < LABEL_SHARE + STEPS_SHARE ? STEP_COUNTS : NO_MOVEMENT;
    }
  }
}

/** Steps in the last minute for an activity code, as a pedometer would count them. */
export function stepsPerMinute(activity: number, rnd: Random): number {
  switch (activity) {
    case SLEEP: return 0;
    case REST: return rnd.int(0, 8);
    case WALK: return rnd.int(85, 120);
    case EXERCISE: return rnd.int(120, 170);
    default: return 0;
  }
}

/** Takes consumer devices off the wrist and puts them back. */
export class WearModel {
  private readonly startChance: number[];

  constructor(private readonly devices: DeviceRealism, intervalMs: number, private readonly rnd: Random) {
    this.startChance = OFF_SPELLS.map((s) => 1 - Math.exp(-(s.perDay / DAY_MS) * intervalMs));
  }

  /**
   * Whether customer i's device is on the wrist at t. A new spell off the wrist may start only when
   * `mayTakeOff` (no injected episode is under way); `fellAsleep` is true on the slot the customer goes to bed.
   */
  worn(pop: Population, i: number, t: number, fellAsleep: boolean, mayTakeOff: boolean): boolean {
    if (this.devices === 'ideal') return true;
    if (t < pop.offUntil[i]!) return false;
    if (!mayTakeOff) return true;
    const rnd = this.rnd;
    if (fellAsleep) {
      if (!rnd.chance(NIGHT_OFF_SHARE)) return true;
      pop.offUntil[i] = t + pop.sleepHours[i]! * 60 * MINUTE_MS + rnd.between(0, 30) * MINUTE_MS;
      return false;
    }
    if (pop.activity[i] === SLEEP) return true;
    const r = rnd.float();
    let sum = 0;
    for (let k = 0; k < OFF_SPELLS.length; k++) {
      sum += this.startChance[k]!;
      if (r < sum) {
        const [lo, hi] = OFF_SPELLS[k]!.minutes;
        pop.offUntil[i] = t + rnd.between(lo, hi) * MINUTE_MS;
        return false;
      }
    }
    return true;
  }
}
