// Wire encoding of a reading: customer ids, device ids, both timestamp formats and the JSON
// value, built by concatenation because JSON.stringify per reading would cap the simulator's rate.
import type { ReadingFields } from './malformed.js';

/** Width of the number in customer ids: CUST-00042 for up to 100,000 customers, wider above. */
export function customerIdWidth(customers: number): number {
  return Math.max(5, String(Math.max(0, customers - 1)).length);
}

/** The customer id of customer index i. */
export function customerIdOf(i: number, width: number): string {
  return `CUST-${String(i).padStart(width, '0')}`;
}

/** The device id sent for a device serial (serial 0: the device sends none). */
export function deviceIdOf(serial: number): string | undefined {
  return serial === 0 ? undefined : `WB-${serial.toString(16).padStart(8, '0')}`;
}

const MS_TEXT = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

/** Encodes readings; caches the ISO text of the current second, shared by many readings. */
export class ReadingEncoder {
  private second = Number.NaN;
  private prefix = '';

  /** ISO-8601 UTC text of epoch ms t (a whole number), e.g. 2026-11-23T07:40:00.123Z. */
  isoOf(t: number): string {
    const second = Math.floor(t / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 20); // up to and with the dot
    }
    return `${this.prefix}${MS_TEXT[t - second * 1000]}Z`;
  }

  /** The wire fields of a reading (epoch: timestamp as epoch ms instead of ISO text). */
  fields(customerId: string, t: number, epoch: boolean, heartRate: number, deviceId: string | undefined, activity: string | undefined, steps?: number): ReadingFields {
    const f: ReadingFields = { customer_id: customerId, timestamp: epoch ? t : this.isoOf(t), heart_rate: heartRate };
    if (deviceId !== undefined) f.device_id = deviceId;
    if (activity !== undefined) f.activity = activity;
    if (steps !== undefined) f.steps = steps;
    return f;
  }

  /** The JSON value of a reading, byte-identical to JSON.stringify of `fields(...)`. */
  value(customerId: string, t: number, epoch: boolean, heartRate: number, deviceId: string | undefined, activity: string | undefined, steps?: number): Buffer {
    // Ids, ISO text and activities are plain ASCII without quotes or backslashes: no escaping.
    let s = `{"customer_id":"${customerId}","timestamp":${epoch ? t : `"${this.isoOf(t)}"`},"heart_rate":${heartRate}`;
    if (deviceId !== undefined) s += `,"device_id":"${deviceId}"`;
    if (activity !== undefined) s += `,"activity":"${activity}"`;
    if (steps !== undefined) s += `,"steps":${steps}`;
    return Buffer.from(`${s}}`, 'latin1');
  }
}
