// The input policy's numbers: what a reading message may hold, in one place. The decoder
// (decode.ts), its zod twin (message-schema.ts), the table limits (table-limits.ts), the `range`
// plugin's defaults, the config's input.maxMessageBytes and the generated part of docs/data.md
// (scripts/data-reference.ts) read them; test/store-schema.test.ts checks that the CHECK
// constraints of the migrated tables (sql/*.sql) agree. Changing a number here that a CHECK also
// states needs a migration that moves the CHECK too.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Lowest heart rate stored, in whole bpm: the heartbeats table's CHECK, and the `range`
 * validator's default minBpm (a validator may be narrower; the core refuses anything wider).
 */
export const HEART_RATE_MIN_BPM = 20;
/** Highest heart rate stored, in whole bpm (see HEART_RATE_MIN_BPM). */
export const HEART_RATE_MAX_BPM = 250;

/** How far after its receive time a reading's timestamp may be: the `range` default maxFutureMs. */
export const MAX_FUTURE_MS = 5 * MINUTE;
/** How far before its receive time a reading's timestamp may be: the `range` default maxAgeMs. */
export const MAX_AGE_MS = 7 * DAY;

/** Longest customer_id, in characters (code points); the tables' CHECK says the same. */
export const MAX_CUSTOMER_ID_LENGTH = 64;
/** Longest device_id, in characters (code points). */
export const MAX_DEVICE_ID_LENGTH = 128;
/** Most steps in a minute a wearer can take (sprinting cadence is about 200-250): a bound for garbage. */
export const MAX_STEPS_PER_MINUTE = 400;

/**
 * Event times accepted: 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z, in epoch ms. Beyond
 * them a date has no RFC 3339 form (years past 9999), is refused by JS Date (past 275760), or is
 * before the epoch the wire format counts from; the store and the dashboard handle every value in between.
 */
export const MIN_EVENT_TIME = 0;
export const MAX_EVENT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Longest timestamp string parsed; a longer one is timestamp_invalid without parsing. */
export const MAX_TIMESTAMP_CHARS = 40;

/**
 * Size limit of a message value, in bytes (config input.maxMessageBytes): its default, and the
 * range the config allows. At most 1 MiB, the broker's default message.max.bytes: a bigger limit
 * only lets a worker parse (and run out of memory on) messages no default topic carries.
 */
export const MESSAGE_BYTES = Object.freeze({ default: 16_384, lowest: 64, highest: 1_048_576 });
