// Named value formats for the config schema. Each one coerces a string (from an env var or a
// CLI flag) and says, in `allowed`, what it accepts, so a bad value's error can name it.
// Coercion never hides the value given: an unparseable string is passed on unchanged and the
// validator rejects it, so the error shows exactly what the user typed.

/** Schema entry fields a format may read (convict passes the entry to the validator). */
export interface FormatBounds {
  min?: number;
  max?: number;
  choices?: readonly string[];
}

export interface ValueFormat {
  /** What the format accepts, in words, for error messages and docs/configuration.md. */
  allowed(bounds: FormatBounds): string;
  /** Throws nothing; returns true when the value is acceptable. */
  check(value: unknown, bounds: FormatBounds): boolean;
  coerce?(raw: string): unknown;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SIZE = /^\d+(\.\d+)?\s*[kmg]?b?$/i;

function range(bounds: FormatBounds): string {
  const { min, max } = bounds;
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `of at least ${min}`;
  if (max !== undefined) return `of at most ${max}`;
  return '';
}

function inRange(n: number, { min, max }: FormatBounds): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

function toNumber(raw: string): unknown {
  const text = raw.trim();
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : raw;
}

function isHostPort(text: string): boolean {
  const match = /^(\[[0-9a-f:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}

export const formats = {
  integer: {
    allowed: (b) => `a whole number ${range(b)}`.trim(),
    check: (v, b) => typeof v === 'number' && Number.isInteger(v) && inRange(v, b),
    coerce: toNumber,
  },
  number: {
    allowed: (b) => `a number ${range(b)}`.trim(),
    check: (v, b) => typeof v === 'number' && Number.isFinite(v) && inRange(v, b),
    coerce: toNumber,
  },
  port: {
    allowed: () => 'a TCP port from 1 to 65535',
    check: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535,
    coerce: toNumber,
  },
  boolean: {
    allowed: () => 'true or false',
    check: (v) => typeof v === 'boolean',
    coerce: (raw) => {
      const text = raw.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(text)) return true;
      if (['false', '0', 'no'].includes(text)) return false;
      return raw;
    },
  },
  choice: {
    allowed: (b) => `one of ${(b.choices ?? []).join(', ')}`,
    check: (v, b) => typeof v === 'string' && (b.choices ?? []).includes(v),
  },
  'log-level': {
    allowed: () => `one of ${LOG_LEVELS.join(', ')}`,
    check: (v) => typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v),
  },
  name: {
    allowed: () => 'a non-empty name of letters, digits, ".", "_" or "-" (at most 249 characters)',
    check: (v) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,249}$/.test(v),
  },
  text: {
    allowed: () => 'any text',
    check: (v) => typeof v === 'string',
  },
  path: {
    allowed: () => 'a non-empty file system path',
    check: (v) => typeof v === 'string' && v.trim() !== '',
  },
  host: {
    allowed: () => 'a host name or IP address',
    check: (v) => typeof v === 'string' && /^[A-Za-z0-9.:_-]+$/.test(v),
  },
  'broker-list': {
    allowed: () => 'a comma-separated list of host:port, e.g. 127.0.0.1:9092',
    check: (v) => Array.isArray(v) && v.length > 0 && v.every((b) => typeof b === 'string' && isHostPort(b)),
    coerce: (raw) => raw.split(',').map((b) => b.trim()).filter((b) => b !== ''),
  },
  'postgres-url': {
    allowed: () => 'a URL of the form postgres://user[:password]@host[:port]/database',
    check: (v) => {
      if (typeof v !== 'string') return false;
      try {
        const url = new URL(v);
        return ['postgres:', 'postgresql:'].includes(url.protocol) && url.hostname !== '' && url.pathname.length > 1;
      } catch {
        return false;
      }
    },
  },
  'byte-size': {
    allowed: () => 'a size such as 512k, 10m or 1g',
    check: (v) => typeof v === 'string' && SIZE.test(v),
  },
  'rotation-frequency': {
    allowed: () => 'daily, hourly, or a number of milliseconds of at least 1000',
    check: (v) => v === 'daily' || v === 'hourly' || (typeof v === 'number' && Number.isInteger(v) && v >= 1000),
    coerce: toNumber,
  },
  object: {
    allowed: () => 'a JSON object',
    check: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    coerce: (raw) => {
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    },
  },
} satisfies Record<string, ValueFormat>;

export type FormatName = keyof typeof formats;
