// The time forms recordings use, to epoch ms: ISO-like (CSV, FHIR, Apple Health, with or without a
// zone) and the US clock of Fitbit exports (`4/12/2016 7:21:00 AM`). Calendar-checked: 31 April is
// refused, not rolled over.

/** Epoch ms of a valid calendar date and time (UTC), or null when a field is out of its range. */
export function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): number | null {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(t).getUTCDate() === day ? t : null;
}

// Date, 'T' or a blank, time (seconds and fraction optional), then optionally a zone, which Apple
// Health writes after a blank and without a colon: `2019-01-01 10:00:00 +0100`.
const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)? ?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch ms of an ISO-like time, or null. A time without a zone is UTC, or null when `zoneRequired`
 * (FHIR requires a zone on any dateTime with a time; Apple Health always writes one).
 */
export function parseIsoLike(text: string, zoneRequired: boolean): number | null {
  const m = ISO_LIKE.exec(text);
  if (m === null || (zoneRequired && m[8] === undefined)) return null;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(m[7]) * 1000);
  const t = utcMs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), ms);
  if (t === null || m[8] === undefined || m[8] === 'Z') return t;
  const digits = m[8].slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2)), minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return null;
  // A zone east of UTC (+01:00) means the UTC instant is earlier.
  return t - (m[8].startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

const US_CLOCK = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp][Mm]))?$/;

/** Epoch ms (as UTC) of Fitbit's `M/D/YYYY h:mm:ss AM/PM` (24-hour without AM/PM), or null. */
export function parseUsClock(text: string): number | null {
  const m = US_CLOCK.exec(text);
  if (m === null) return null;
  let hour = +m[4]!;
  if (m[7] !== undefined) {
    if (hour < 1 || hour > 12) return null;
    // 12:xx AM is just after midnight, 12:xx PM just after noon.
    hour = (hour % 12) + (m[7].toLowerCase() === 'pm' ? 12 : 0);
  }
  return utcMs(+m[3]!, +m[1]!, +m[2]!, hour, +m[5]!, +(m[6] ?? 0));
}
