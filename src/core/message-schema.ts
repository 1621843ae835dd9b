// The wire format of a reading message as a zod schema: the readable statement of the input
// policy (its numbers are input-policy.ts's), and the reference the hand-rolled check in decode.ts is tested against. Not used per
// reading: zod is several times slower there (`src/bench/core-throughput.ts` measures both).
import { z } from 'zod';
import { ACTIVITIES, type Activity, type Reading } from './types.js';
import { DecodeFailure, checkEpochMs, isPrintableText, isStepsPerMinute, parseMessageJson, parseTimestamp, type DecodePolicy } from './decode.js';
import { MAX_CUSTOMER_ID_LENGTH, MAX_DEVICE_ID_LENGTH, MAX_TIMESTAMP_CHARS } from './input-policy.js';

const typeError = (field: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `missing_field:${field}` : `wrong_type:${field}`;

/** The message schema under a policy. Each issue's message is the stable reject reason. */
export function readingMessageSchema(policy: DecodePolicy) {
  let heartRate = z.number({
    error: (issue) => (issue.input === undefined ? 'missing_field:heart_rate'
      : typeof issue.input === 'number' ? 'not_finite:heart_rate' : 'wrong_type:heart_rate'),
  });
  if (policy.wholeNumberHeartRate) heartRate = heartRate.refine(Number.isInteger, { error: 'not_whole_number:heart_rate' });
  return z.object({
    customer_id: z.string({ error: typeError('customer_id') })
      .refine((s) => isPrintableText(s, MAX_CUSTOMER_ID_LENGTH), { error: 'customer_id_invalid' }),
    heart_rate: heartRate,
    timestamp: z.union([z.number(), z.string()], { error: typeError('timestamp') }).transform((value, ctx) => {
      const parsed = typeof value === 'number' ? checkEpochMs(value) : value.length > MAX_TIMESTAMP_CHARS ? 'timestamp_invalid' : parseTimestamp(value);
      if (typeof parsed === 'number') return parsed;
      ctx.issues.push({ code: 'custom', message: parsed, input: value });
      return z.NEVER;
    }),
    device_id: z.string({ error: typeError('device_id') })
      .refine((s) => isPrintableText(s, MAX_DEVICE_ID_LENGTH), { error: 'invalid_value:device_id' }).optional(),
    activity: z.enum(ACTIVITIES as [Activity, ...Activity[]], {
      error: (issue) => (typeof issue.input === 'string' ? 'invalid_value:activity' : 'wrong_type:activity'),
    }).optional(),
    // Not steps in the last minute: left out, the reading kept (see decode.ts).
    steps: z.unknown().optional().transform((v) => (isStepsPerMinute(v) ? v : undefined)),
  }, { error: 'not_an_object' });
}

/** decodeReading with the zod schema in place of the hand-rolled shape check (same results). */
export function decodeReadingWithZod(schema: ReturnType<typeof readingMessageSchema>, value: Buffer | null, receivedAt: number, policy: DecodePolicy): Reading | DecodeFailure {
  const doc = parseMessageJson(value, policy);
  if (doc instanceof DecodeFailure) return doc;
  const result = schema.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return new DecodeFailure('schema', issue.message, `${issue.path.join('.') || 'message'}: ${issue.message}`);
  }
  const m = result.data;
  return { customerId: m.customer_id, eventTime: m.timestamp, heartRate: m.heart_rate, deviceId: m.device_id, activity: m.activity, steps: m.steps, receivedAt };
}
