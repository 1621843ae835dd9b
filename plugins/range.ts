// Validator: rejects physiologically impossible heart rates and timestamps too far in the future
// or too old, relative to the message's receive time.
// Its defaults are the input policy's (src/core/input-policy.ts).
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM, MAX_AGE_MS, MAX_FUTURE_MS, defineRule, z } from '../src/rules/index.js';

export default defineRule({
  meta: {
    id: 'range',
    kind: 'validator',
    version: '1.0.0',
    description: 'Rejects heart rates outside [minBpm, maxBpm] and timestamps too far in the future or older than maxAgeMs.',
    options: z.object({
      minBpm: z.number().default(HEART_RATE_MIN_BPM),
      maxBpm: z.number().default(HEART_RATE_MAX_BPM),
      maxFutureMs: z.number().int().nonnegative().default(MAX_FUTURE_MS),
      maxAgeMs: z.number().int().positive().default(MAX_AGE_MS),
    }).refine((o) => o.minBpm <= o.maxBpm, { message: 'minBpm must not exceed maxBpm' }),
  },
  create({ minBpm, maxBpm, maxFutureMs, maxAgeMs }) {
    return (reading, ctx) => {
      if (reading.heartRate < minBpm || reading.heartRate > maxBpm) {
        ctx.reject('heart_rate_out_of_range', `heart_rate ${reading.heartRate} is outside ${minBpm}-${maxBpm} bpm`);
      } else if (reading.eventTime > reading.receivedAt + maxFutureMs) {
        ctx.reject('timestamp_in_future', `timestamp is ${Math.round((reading.eventTime - reading.receivedAt) / 1000)} s after the receive time; at most ${maxFutureMs / 1000} s allowed`);
      } else if (reading.eventTime < reading.receivedAt - maxAgeMs) {
        ctx.reject('timestamp_too_old', `timestamp is ${Math.round((reading.receivedAt - reading.eventTime) / 1000)} s before the receive time; at most ${maxAgeMs / 1000} s allowed`);
      }
    };
  },
});
