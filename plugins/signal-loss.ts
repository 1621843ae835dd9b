// Rule: a customer who was streaming goes silent for more than 60 s of event time: one anomaly,
// raised by a timer as other customers' readings advance the watermark, ended when readings resume.
import { defineRule, stateful, z } from '../src/rules/index.js';

/** lastSeen: newest event time; count: readings since the last loss; lostAt: set while silent. */
interface Silence {
  readonly lastSeen: number;
  readonly count: number;
  readonly lostAt: number | null;
}

export default defineRule({
  meta: {
    id: 'signal-loss',
    kind: 'rule',
    version: '1.0.0',
    description: 'One anomaly when a streaming customer sends nothing for more than silenceMs of event time; it ends when readings resume.',
    options: z.object({
      silenceMs: z.number().int().positive().default(60_000),
      /** Readings needed before a silence counts: a customer seen once is not "streaming". */
      minReadings: z.number().int().positive().default(2),
      severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    }),
    messages: {
      silent: 'No reading for more than {{seconds}} s',
    },
  },
  create({ silenceMs, minReadings, severity }) {
    const data = { seconds: silenceMs / 1000 };
    return stateful({
      initialState: null as Silence | null,
      onReading(reading, state, ctx) {
        const t = reading.eventTime;
        if (state === null) {
          if (minReadings <= 1) ctx.setTimer(t + silenceMs + 1);
          return { lastSeen: t, count: 1, lostAt: null };
        }
        // Out of order within the allowed lateness: the customer was not silent then; nothing changes.
        if (t <= state.lastSeen) return state;
        // Reported already (by the timer), or a silence the watermark had not yet passed: either way
        // the episode is [lastSeen, t], so the outcome does not depend on when the watermark moved.
        if (state.lostAt !== null || (state.count >= minReadings && t - state.lastSeen > silenceMs)) {
          ctx.report({ messageId: 'silent', severity, episodeStart: state.lastSeen, episodeEnd: t, data: { ...data, resumedAt: new Date(t).toISOString() } });
        }
        const count = state.count + 1;
        if (count >= minReadings) ctx.setTimer(t + silenceMs + 1);
        return { lastSeen: t, count, lostAt: null };
      },
      onTimer(state, ctx) {
        if (state === null || state.lostAt !== null) return state;
        ctx.report({ messageId: 'silent', severity, episodeStart: state.lastSeen, data });
        return { ...state, lostAt: ctx.now };
      },
    });
  },
});
