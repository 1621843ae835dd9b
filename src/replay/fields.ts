// Field checks all recording formats share: customer ids and heart-rate numbers, with the skip
// reasons they give. Times are format-specific and parsed in each format's file.
import { isPrintableText } from '../core/decode.js';
import { MAX_CUSTOMER_ID_LENGTH } from '../core/input-policy.js';

/** The customer id as sent, or the skip reason. */
export function customerIdOf(raw: string | undefined): string | { reason: string } {
  const id = raw?.trim() ?? '';
  if (id === '') return { reason: 'missing_customer' };
  // The consumer rejects ids it cannot store (customer_id_invalid): do not send them.
  return isPrintableText(id, MAX_CUSTOMER_ID_LENGTH) ? id : { reason: 'invalid_customer' };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A heart rate from text (as recorded, possibly fractional), or the skip reason. */
export function heartRateOfText(raw: string | undefined): number | { reason: string } {
  const text = raw?.trim() ?? '';
  if (text === '') return { reason: 'missing_heart_rate' };
  if (!DECIMAL.test(text)) return { reason: 'non_numeric_heart_rate' };
  const value = Number(text);
  return Number.isFinite(value) ? value : { reason: 'non_numeric_heart_rate' };
}

/** A heart rate from a JSON value, or the skip reason. */
export function heartRateOfJson(raw: unknown): number | { reason: string } {
  if (raw === undefined || raw === null) return { reason: 'missing_heart_rate' };
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return { reason: 'non_numeric_heart_rate' };
  return raw;
}
