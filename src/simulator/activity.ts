// Activity state machine of one customer: asleep at night (per-customer bedtime, UTC), and by
// day rest, walks and exercise sessions with realistic dwell times.
import { EXERCISE, REST, SLEEP, WALK, type Population } from './population.js';
import type { Random } from './random.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** True when time t (epoch ms) falls in customer i's nightly sleep window. */
export function isSleepTime(pop: Population, i: number, t: number): boolean {
  const hour = (t / HOUR_MS) % 24;
  return (hour - pop.bedtimeHour[i]! + 48) % 24 < pop.sleepHours[i]!;
}

function enter(pop: Population, i: number, t: number, activity: number, rnd: Random): void {
  pop.activity[i] = activity;
  let dwell: number;
  if (activity === REST) {
    dwell = 3 * MINUTE_MS + rnd.exponential(22 * MINUTE_MS);
  } else if (activity === WALK) {
    dwell = MINUTE_MS + rnd.exponential(9 * MINUTE_MS);
  } else {
    dwell = rnd.between(15, 60) * MINUTE_MS;
    pop.intensity[i] = rnd.between(0.45, 0.8);
    pop.workout[i] = 1;
  }
  pop.activityUntil[i] = t + dwell;
}

/** Sets customer i's starting activity for time t, as if the day had been going on. */
export function initActivity(pop: Population, i: number, t: number, rnd: Random): void {
  if (isSleepTime(pop, i, t)) {
    pop.activity[i] = SLEEP;
    return;
  }
  const r = rnd.float();
  enter(pop, i, t, r < 0.65 ? REST : r < 0.92 ? WALK : EXERCISE, rnd);
  // Part of the first dwell has already passed, so customers do not all switch together.
  pop.activityUntil[i] = t + (pop.activityUntil[i]! - t) * rnd.float();
}

/**
 * Moves customer i's activity on to time t. `exerciseAllowed` is false during an injected
 * heart-rhythm episode, which must stay a non-exercise episode from start to end.
 */
export function advanceActivity(pop: Population, i: number, t: number, rnd: Random, exerciseAllowed: boolean): void {
  const current = pop.activity[i]!;
  if (isSleepTime(pop, i, t)) {
    if (current !== SLEEP) pop.activity[i] = SLEEP;
    return;
  }
  if (current === SLEEP) {
    enter(pop, i, t, REST, rnd);
    return;
  }
  if (t < pop.activityUntil[i]!) return;
  const fitness = pop.fitness[i]!;
  let next: number;
  // Calibrated so that about 5 % of readings are above 110 bpm, as in the recordings (evaluate --data shows both).
  if (current === REST) {
    next = rnd.chance(0.025 + 0.06 * fitness) ? EXERCISE : WALK;
  } else if (current === WALK) {
    next = rnd.chance(0.015 + 0.045 * fitness) ? EXERCISE : REST;
  } else {
    next = rnd.chance(0.6) ? WALK : REST;
  }
  if (next === EXERCISE && !exerciseAllowed) next = REST;
  enter(pop, i, t, next, rnd);
}
