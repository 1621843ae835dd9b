// Validator: rejects physiologically impossible heart rates and timestamps too far in the future
// or too old, relative to the message's receive time.
import { defineRule, z } from '../src/rules/index.js';

const MINUTE = 60_000;

export default defineRule({
  meta: {
    id: 'range',
    kind: 'validator',
    version: '1.0.0',
    description: 'Rejects heart rates outside [minBpm, maxBpm] and timestamps too far in the future or older than maxAgeMs.',
    options: z.object({
      minBpm: z.number().default(20),
      maxBpm: z.number().default(250),
      maxFutureMs: z.number().int().nonnegative().default(5 * MINUTE),
      maxAgeMs: z.number().int().positive().default(7 * 24 * 60 * MINUTE),
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
