// Rule: a customer who was streaming goes silent for more than 60 s of event time: one anomaly,
// raised by a timer as other customers' readings advance the watermark, ended when readings resume.
// Consumer wearables stop sending all the time (charging, off the wrist, a night without the watch),
// so by default ("after-abnormal") only a silence that follows abnormal readings counts: the device
// went quiet after the heart rate had been below lowBpm or above highBpm, without the wearer being
// active, for abnormalForMs, which is when losing the signal matters. Whether the wearer was active
// is judged as tachycardia judges it (src/rules/likely-activity.ts): from steps or the activity
// label, else from how the high run began; a gradual climb is likely a workout, and a watch taken
// off after one is the most common silence of all. Fleets of continuous monitors (a chest strap in
// a ward, where any gap is a fault) set mode "continuous" and hear about every silence.
import { movementOf, nextTrajectory, onsetOf, onsetOptions, type Onset, type Trajectory } from '../src/rules/likely-activity.js';
import { activitySchema, defineRule, stateful, z } from '../src/rules/index.js';

/**
 * lastSeen: newest event time; count: readings since the last loss; lostAt: set while silent;
 * abnormalSince: first event time of the abnormal readings up to the newest (null: it was normal);
 * highOnset: how the run above highBpm that the newest reading belongs to began (null: not above).
 */
interface Silence {
  readonly lastSeen: number;
  readonly count: number;
  readonly lostAt: number | null;
  readonly abnormalSince: number | null;
  readonly highOnset: Onset | null;
  readonly trajectory: Trajectory;
}

export default defineRule({
  meta: {
    id: 'signal-loss',
    kind: 'rule',
    version: '2.0.0',
    description: 'One anomaly when a streaming customer sends nothing for more than silenceMs of event time (by default only after an abnormal reading); it ends when readings resume.',
    options: z.object({
      /** after-abnormal: only silences that follow a reading below lowBpm or above highBpm while not active; continuous: every silence. */
      mode: z.enum(['after-abnormal', 'continuous']).default('after-abnormal'),
      lowBpm: z.number().default(50),
      highBpm: z.number().default(110),
      /** after-abnormal: how long the readings before the silence must have been abnormal (0: one reading is enough). */
      abnormalForMs: z.number().int().nonnegative().default(60_000),
      /** Activities (and steps per minute from which the wearer is active) that explain a high reading. */
      activeActivities: z.array(activitySchema).default(['walk', 'exercise']),
      activeStepsPerMinute: z.number().int().nonnegative().default(30),
      /** Without steps or activity, a run above highBpm counts only when it began abruptly: abruptOnsetMs, calmMarginBpm, calmBelowBpm, abruptRiseBpm (src/rules/likely-activity.ts). */
      ...onsetOptions,
      silenceMs: z.number().int().positive().default(60_000),
      /** Readings needed before a silence counts: a customer seen once is not "streaming". */
      minReadings: z.number().int().positive().default(2),
      /**
       * A silence that goes on this long (event time after the last reading) is closed, endedBy
       * "expired", so that its row does not stay open for good once the customer's state is dropped.
       */
      closeAfterMs: z.number().int().positive().default(6 * 60 * 60_000),
      severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    }),
    messages: {
      silent: 'No reading for more than {{seconds}} s',
    },
  },
  create({ mode, lowBpm, highBpm, abnormalForMs, activeActivities, activeStepsPerMinute, silenceMs, minReadings, closeAfterMs, severity, ...o }) {
    const data = { seconds: silenceMs / 1000 };
    const onset = { ...o, aboveBpm: highBpm };
    /** Whether a reading makes a silence after it matter; highOnset: how its run above highBpm began. */
    const abnormal = (reading: Parameters<typeof movementOf>[0], highOnset: Onset | null) => {
      if (mode === 'continuous') return true;
      if (reading.heartRate >= lowBpm && reading.heartRate <= highBpm) return false;
      const movement = movementOf(reading, activeActivities, activeStepsPerMinute);
      return movement !== 'active' && (reading.heartRate < lowBpm || movement === 'inactive' || highOnset === 'abrupt');
    };
    /** Whether a silence after the newest reading (at t, abnormal since `since`) is watched. */
    const watched = (since: number | null, t: number) => mode === 'continuous' || (since !== null && t - since >= abnormalForMs);
    return stateful({
      initialState: null as Silence | null,
      onReading(reading, state, ctx) {
        const t = reading.eventTime, bpm = reading.heartRate;
        // Out of order within the allowed lateness: the customer was not silent then; nothing changes.
        if (state !== null && t <= state.lastSeen) return state;
        const continues = state !== null && state.highOnset !== null && t - state.lastSeen <= silenceMs;
        const highOnset = bpm <= highBpm ? null : continues ? state.highOnset : onsetOf(state?.trajectory ?? null, bpm, t, onset);
        if (state === null) {
          const abnormalSince = abnormal(reading, highOnset) ? t : null;
          if (minReadings <= 1 && watched(abnormalSince, t)) ctx.setTimer(t + silenceMs + 1);
          return { lastSeen: t, count: 1, lostAt: null, abnormalSince, highOnset, trajectory: nextTrajectory(null, bpm, t, onset) };
        }
        // Reported already (by the timer), or a silence the watermark had not yet passed: either way
        // the episode is [lastSeen, t], so the outcome does not depend on when the watermark moved.
        if (state.lostAt !== null || (watched(state.abnormalSince, state.lastSeen) && state.count >= minReadings && t - state.lastSeen > silenceMs)) {
          ctx.report({ messageId: 'silent', severity, episodeStart: state.lastSeen, episodeEnd: t, data: { ...data, resumedAt: new Date(t).toISOString() } });
        }
        const count = state.count + 1;
        const abnormalSince = !abnormal(reading, highOnset) ? null : state.abnormalSince !== null && state.lostAt === null && t - state.lastSeen <= silenceMs ? state.abnormalSince : t;
        if (count >= minReadings && watched(abnormalSince, t)) ctx.setTimer(t + silenceMs + 1);
        else ctx.clearTimer();
        return { lastSeen: t, count, lostAt: null, abnormalSince, highOnset, trajectory: nextTrajectory(state.trajectory, bpm, t, onset) };
      },
      onTimer(state, ctx) {
        if (state === null) return state;
        if (state.lostAt !== null) {
          // Still silent after closeAfterMs: close the episode and forget the customer.
          ctx.report({ messageId: 'silent', severity, episodeStart: state.lastSeen, episodeEnd: ctx.now, data: { ...data, endedBy: 'expired' } });
          return null;
        }
        ctx.report({ messageId: 'silent', severity, episodeStart: state.lastSeen, data });
        // A pending timer also keeps the state from being dropped as idle while the silence lasts.
        ctx.setTimer(state.lastSeen + Math.max(closeAfterMs, silenceMs + 1));
        return { ...state, lostAt: ctx.now };
      },
    });
  },
});
