// The wire format the simulator writes, stated as a strict check for the simulator's tests:
// a JSON object with customer_id (non-empty string), timestamp (ISO-8601 with a zone, or
// integer epoch ms), heart_rate (integer), optional device_id (string), activity and steps
// (a whole number of steps in the last minute).
import { ACTIVITIES, type Activity } from './types.js';

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A reading that follows the wire format (its heart rate may still be out of range). */
export interface WireReading {
  customerId: string;
  eventTime: number;
  heartRate: number;
  deviceId?: string;
  activity?: Activity;
  steps?: number;
}

/** Parses a message value by the wire format; null when it does not follow it. */
export function parseWireReading(value: Buffer): WireReading | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const o = parsed as Record<string, unknown>;
  if (typeof o.customer_id !== 'string' || o.customer_id === '') return null;
  if (typeof o.heart_rate !== 'number' || !Number.isInteger(o.heart_rate)) return null;
  let eventTime: number;
  if (typeof o.timestamp === 'number' && Number.isSafeInteger(o.timestamp)) eventTime = o.timestamp;
  else if (typeof o.timestamp === 'string' && ISO_WITH_ZONE.test(o.timestamp)) eventTime = Date.parse(o.timestamp);
  else return null;
  if (Number.isNaN(eventTime)) return null;
  if (o.device_id !== undefined && typeof o.device_id !== 'string') return null;
  if (o.activity !== undefined && !ACTIVITIES.includes(o.activity as Activity)) return null;
  if (o.steps !== undefined && !(typeof o.steps === 'number' && Number.isInteger(o.steps) && o.steps >= 0)) return null;
  const reading: WireReading = { customerId: o.customer_id, eventTime, heartRate: o.heart_rate };
  if (o.device_id !== undefined) reading.deviceId = o.device_id as string;
  if (o.activity !== undefined) reading.activity = o.activity as Activity;
  if (o.steps !== undefined) reading.steps = o.steps as number;
  return reading;
}

/** True when a heart rate is physiologically possible (20..250 bpm). */
export function inRange(heartRate: number): boolean {
  return heartRate >= 20 && heartRate <= 250;
}
