// What the heartbeats table stores (sql/001_heartbeats.sql: heart_rate smallint CHECK BETWEEN 20
// AND 250, the limits input-policy.ts states), applied by the core: a reading is checked against
// them after the validators, whatever they or input.wholeNumberHeartRate allow, so it becomes a
// reject with a reason instead of a write PostgreSQL refuses. test/store-schema.test.ts checks these
// limits against the migrated table: change both together (a migration that widens the CHECK,
// then the constants in input-policy.ts).
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM } from './input-policy.js';

/** The reject reason of a reading outside those limits (validator `table`). */
export const NOT_STORABLE_REASON = 'heart_rate_not_storable';

/**
 * The heart rate as stored: a whole number of bpm. A fraction (only decoded when
 * input.wholeNumberHeartRate is false) is rounded to the nearest whole bpm, half up.
 */
export function storedHeartRate(bpm: number): number {
  return Number.isInteger(bpm) ? bpm : Math.round(bpm);
}

/** Why the table would refuse this (whole) heart rate, or undefined when it stores it. */
export function notStorable(bpm: number): string | undefined {
  if (Number.isInteger(bpm) && bpm >= HEART_RATE_MIN_BPM && bpm <= HEART_RATE_MAX_BPM) return undefined;
  return `heart_rate ${bpm} is outside the ${HEART_RATE_MIN_BPM}-${HEART_RATE_MAX_BPM} whole bpm the heartbeats table stores`;
}
