// What the baselines do with a message: JSON.parse and the least needed to put it in the
// heartbeats table (its column types and CHECKs), no validation policy, no rules, no rejects kept.
import type { BaselineRow } from '../store/baseline-writes.js';

/** The row of a message, or null when it cannot go into the table as it is. */
export function bareRow(value: Buffer | null, partition: number, offset: string): BaselineRow | null {
  if (value === null) return null;
  let doc: { customer_id?: unknown; timestamp?: unknown; heart_rate?: unknown };
  try {
    doc = JSON.parse(value.toString('utf8')) as typeof doc;
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const { customer_id: customerId, timestamp, heart_rate: heartRate } = doc;
  if (typeof customerId !== 'string' || customerId.length === 0 || customerId.length > 64 || customerId.includes('\u0000')) return null;
  if (typeof heartRate !== 'number' || !Number.isInteger(heartRate) || heartRate < 20 || heartRate > 250) return null;
  if (typeof timestamp === 'number' ? !Number.isSafeInteger(timestamp) || timestamp < 0 : typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) return null;
  return { customerId, eventTime: timestamp as string | number, heartRate, partition, offset };
}
