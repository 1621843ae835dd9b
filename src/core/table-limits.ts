// What the heartbeats table stores (sql/001_heartbeats.sql: heart_rate smallint CHECK BETWEEN 20
// AND 250), restated for the core: a reading is checked against it after the validators, whatever
// they or input.wholeNumberHeartRate allow, so it becomes a reject with a reason instead of a write
// PostgreSQL refuses. test/store-schema.test.ts checks these limits against the migrated table:
// change both together (a migration that widens the CHECK, then these constants).

/** Lowest heart rate the heartbeats table stores, in bpm. */
export const STORED_MIN_BPM = 20;
/** Highest heart rate the heartbeats table stores, in bpm. */
export const STORED_MAX_BPM = 250;

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
  if (Number.isInteger(bpm) && bpm >= STORED_MIN_BPM && bpm <= STORED_MAX_BPM) return undefined;
  return `heart_rate ${bpm} is outside the ${STORED_MIN_BPM}-${STORED_MAX_BPM} whole bpm the heartbeats table stores`;
}
