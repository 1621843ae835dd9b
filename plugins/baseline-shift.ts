// Rule: the customer's heart rate leaves their own rolling baseline (exponentially weighted mean
// and variance, per reading) by more than k standard deviations for minDurationMs: one episode.
// Only readings whose activity is known and not ignored are judged, and a baseline that has not
// matched a judged reading for rebaselineAfterMs is rebuilt: both were sources of false alerts
// (unreported walks; a baseline learnt during an episode, which then "deviated" all day).
import { activitySchema, defineRule, stateful, type StatefulContext, z } from '../src/rules/index.js';

/** The baseline, and the deviation run in progress (start null: none). */
interface Baseline {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
  readonly start: number | null;
  readonly last: number;
  readonly direction: 1 | -1;
  readonly peakZ: number;
  readonly reported: boolean;
  /** Event time of the first deviating reading since the baseline last took one in; null: it did. */
  readonly staleSince: number | null;
}

export default defineRule({
  meta: {
    id: 'baseline-shift',
    kind: 'rule',
    version: '1.1.0',
    description: "One anomaly per episode of heart rate more than k standard deviations from the customer's own rolling baseline for minDurationMs.",
    options: z.object({
      /** Weight of the newest reading in the baseline (0..1): 0.05 is roughly the last 40 readings. */
      alpha: z.number().gt(0).lt(1).default(0.05),
      k: z.number().positive().default(3),
      /** Readings that build the baseline before anything is judged. */
      minSamples: z.number().int().positive().default(30),
      minDurationMs: z.number().int().positive().default(5 * 60_000),
      /** Floor of the standard deviation, so a very steady baseline does not flag small changes. */
      minStdDevBpm: z.number().positive().default(3),
      /** A longer silence between deviating readings ends the run. */
      maxGapMs: z.number().int().positive().default(2 * 60_000),
      /** Readings with these activities neither build the baseline nor count (they explain a change). */
      ignoreActivities: z.array(activitySchema).default(['walk', 'exercise']),
      /**
       * Leave out readings that carry no activity: without one, a walk cannot be told from a shift
       * (devices that do not report activities would alert on most walks of 5 minutes or more).
       */
      requireActivity: z.boolean().default(true),
      /**
       * A baseline that no judged reading has matched for this long is stale (learnt during an
       * episode, or the customer's normal has changed): the episode ends and the baseline is rebuilt.
       */
      rebaselineAfterMs: z.number().int().positive().default(60 * 60_000),
      severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    }),
    messages: {
      shift: 'Heart rate {{direction}} the usual {{baselineBpm}} bpm by more than {{k}} standard deviations for {{minutes}} minutes',
    },
  },
  create(o) {
    const data = (b: Baseline, endedBy?: string) => ({
      direction: b.direction > 0 ? 'above' : 'below', baselineBpm: Math.round(b.mean), stdDevBpm: Math.round(Math.sqrt(b.variance) * 10) / 10,
      k: o.k, minutes: Math.round(o.minDurationMs / 60_000), peakZ: Math.round(b.peakZ * 10) / 10, ...(endedBy ? { endedBy } : {}),
    });
    const endRun = (b: Baseline, ctx: StatefulContext, endedBy: string): Baseline => {
      if (b.start !== null && b.reported) {
        ctx.report({ messageId: 'shift', severity: o.severity, episodeStart: b.start, episodeEnd: b.last, data: data(b, endedBy) });
      }
      ctx.clearTimer();
      return { ...b, start: null, reported: false, peakZ: 0 };
    };
    const fresh = (x: number, t: number): Baseline => ({
      n: 1, mean: x, variance: 0, start: null, last: t, direction: 1, peakZ: 0, reported: false, staleSince: null,
    });
    return stateful({
      initialState: null as Baseline | null,
      // A baseline is worth keeping across a silence as long as it would not be rebuilt anyway.
      keepStateMs: o.rebaselineAfterMs,
      onReading(reading, b, ctx) {
        const x = reading.heartRate, t = reading.eventTime;
        // The baseline depends on order: out-of-order readings are left out, deterministically.
        if (t < ctx.latestEventTime) return b;
        if (reading.activity === undefined ? o.requireActivity : o.ignoreActivities.includes(reading.activity)) {
          return b === null ? null : endRun(b, ctx, 'activity');
        }
        if (b === null) return fresh(x, t);
        if (b.start !== null && t - b.last > o.maxGapMs) b = endRun(b, ctx, 'gap');
        const z = (x - b.mean) / Math.max(Math.sqrt(b.variance), o.minStdDevBpm);
        if (b.n >= o.minSamples && Math.abs(z) > o.k) {
          const staleSince = b.staleSince ?? t;
          if (t - staleSince >= o.rebaselineAfterMs) {
            if (b.start !== null) endRun(b, ctx, 'rebaselined');
            return fresh(x, t);
          }
          const direction = z > 0 ? 1 : -1;
          if (b.start !== null && direction !== b.direction) b = endRun(b, ctx, 'reversed');
          // While deviating the baseline is frozen, so the episode does not absorb itself.
          let next: Baseline = b.start === null
            ? { ...b, start: t, last: t, direction, peakZ: z, reported: false, staleSince }
            : { ...b, last: t, peakZ: Math.abs(z) > Math.abs(b.peakZ) ? z : b.peakZ, staleSince };
          if (!next.reported && t - next.start! >= o.minDurationMs) {
            next = { ...next, reported: true };
            ctx.report({ messageId: 'shift', severity: o.severity, episodeStart: next.start!, data: data(next) });
          }
          ctx.setTimer(t + o.maxGapMs + 1);
          return next;
        }
        if (b.start !== null) b = endRun(b, ctx, 'recovered');
        const diff = x - b.mean, increment = o.alpha * diff;
        // Spelled out rather than spread: this runs for nearly every reading.
        return {
          n: b.n + 1, mean: b.mean + increment, variance: (1 - o.alpha) * (b.variance + diff * increment),
          start: null, last: t, direction: b.direction, peakZ: 0, reported: false, staleSince: null,
        };
      },
      onTimer: (b, ctx) => (b === null ? null : endRun(b, ctx, 'gap')),
    });
  },
});
