// Rule: heart rate above 110 bpm for 10 minutes while the wearer is not active: one episode, with
// its start, end, duration and peak (the anchor people live with: Apple Watch and Fitbit notify a
// high rate sustained for about 10 minutes while inactive). Activity comes from the device's steps
// or activity label; a device that sends neither is judged by how the run began (see
// src/rules/likely-activity.ts): an abrupt onset (above aboveBpm within abruptOnsetMs of a calm
// reading, or abruptRiseBpm above the two readings before it) alerts, a gradual climb is
// taken for exercise unless it lasts longer than any workout (likelyActiveForMs).
import { confirmRun, endRun, outOfOrder, runLength, startRun, type Run, type RunPolicy } from '../src/rules/episode-run.js';
import { isCalm, movementOf, nextRestingBpm } from '../src/rules/likely-activity.js';
import { activitySchema, defineRule, stateful, z } from '../src/rules/index.js';

/** How the run's inactivity is known: the device said so, an abrupt onset, or a gradual climb (likely exercise). */
type Onset = 'at-rest' | 'abrupt' | 'gradual';

interface HighRun extends Run {
  readonly onset: Onset;
}

interface State {
  /** Running resting heart rate (bpm). */
  readonly restingBpm: number;
  /** Event time of the latest calm reading. */
  readonly calmAt: number;
  /** The two readings before this one (bpm, event time), newest first: the rise into a run. */
  readonly prevBpm: number;
  readonly prevAt: number;
  readonly prev2Bpm: number;
  readonly prev2At: number;
  readonly run: HighRun | null;
}

export default defineRule({
  meta: {
    id: 'tachycardia',
    kind: 'rule',
    version: '2.0.0',
    description: 'One anomaly per episode of heart rate above aboveBpm for durationMs while the wearer is not active (critical above criticalAboveBpm).',
    options: z.object({
      aboveBpm: z.number().default(110),
      /** An episode whose peak exceeds this is critical. */
      criticalAboveBpm: z.number().default(150),
      /** Event time the rate must stay above aboveBpm, from the estimated crossing (halfway from the reading before; src/rules/episode-run.ts). */
      durationMs: z.number().int().positive().default(10 * 60_000),
      /** A longer silence between readings ends the run (the device was taken off). */
      maxGapMs: z.number().int().positive().default(2 * 60_000),
      /** Activity labels that explain a high rate; a reading with one ends the run. */
      exemptActivities: z.array(activitySchema).default(['walk', 'exercise']),
      /** Steps in the last minute from which the wearer counts as active. */
      activeStepsPerMinute: z.number().int().nonnegative().default(30),
      /** Without steps or activity: a run that starts within this of a calm reading began abruptly. */
      abruptOnsetMs: z.number().int().positive().default(30_000),
      /** A calm reading is at most this far above the resting rate (and this far below aboveBpm). */
      calmMarginBpm: z.number().positive().default(20),
      /** A reading at or below this is calm whatever the resting rate. */
      calmBelowBpm: z.number().positive().default(80),
      /** Without steps or activity: a run whose first reading rose this much above the two readings before it (within abruptOnsetMs) began abruptly. */
      abruptRiseBpm: z.number().positive().default(30),
      /** Without steps or activity: a gradual run this long is reported even so (longer than a workout). */
      likelyActiveForMs: z.number().int().positive().default(2 * 60 * 60_000),
    }).refine((o) => o.aboveBpm <= o.criticalAboveBpm, { message: 'aboveBpm must not exceed criticalAboveBpm' }),
    messages: {
      high: 'Heart rate above {{thresholdBpm}} bpm for {{minutes}} minutes while not active (peak {{peakBpm}} bpm)',
    },
  },
  create(o) {
    const policy: RunPolicy<HighRun> = {
      messageId: 'high',
      maxGapMs: o.maxGapMs,
      confirmed: (run) => runLength(run) >= (run.onset === 'gradual' ? Math.max(o.durationMs, o.likelyActiveForMs) : o.durationMs),
      severity: (run) => (run.extreme > o.criticalAboveBpm ? 'critical' : 'warning'),
      data: (run, endedBy) => ({
        thresholdBpm: o.aboveBpm, minutes: Math.round(o.durationMs / 60_000), peakBpm: run.extreme, onset: run.onset, ...(endedBy ? { endedBy } : {}),
      }),
    };
    /** The state after a reading of bpm at t: one object per reading, on the hot path. */
    const after = (previous: State | null, restingBpm: number, calmAt: number, bpm: number, t: number, run: HighRun | null): State => ({
      restingBpm, calmAt, prevBpm: bpm, prevAt: t, prev2Bpm: previous?.prevBpm ?? bpm, prev2At: previous?.prevAt ?? t, run,
    });
    return stateful({
      initialState: null as State | null,
      onReading(reading, state, ctx) {
        const bpm = reading.heartRate, t = reading.eventTime;
        const movement = movementOf(reading, o.exemptActivities, o.activeStepsPerMinute);
        const high = bpm > o.aboveBpm && movement !== 'active';
        if (state !== null && t < ctx.latestEventTime) {
          const run = outOfOrder(state.run, t, !high);
          return run === state.run ? state : { ...state, run };
        }
        const restingBpm = nextRestingBpm(state?.restingBpm, bpm);
        // A calm reading straight after one above the threshold is a sensor dropout (or the first
        // beat of a recovery), not rest: counted, it would make the climb back look abrupt.
        const calm = isCalm(bpm, restingBpm, o) && (state === null || state.prevBpm <= o.aboveBpm);
        const calmAt = calm ? t : state?.calmAt ?? Number.NEGATIVE_INFINITY;
        let run = state?.run ?? null;
        if (run !== null && t - run.last > o.maxGapMs) run = endRun(run, ctx, policy, 'gap');
        if (!high) {
          if (run !== null) run = endRun(run, ctx, policy, movement === 'active' ? 'activity' : 'recovered');
          return after(state, restingBpm, calmAt, bpm, t, run);
        }
        if (run === null) {
          // The rise counts from the higher of the two readings before (those within the onset
          // window): a jump back from a one-reading dropout is not a rise from rest.
          const before = state === null || t - state.prevAt > o.abruptOnsetMs ? Number.POSITIVE_INFINITY
            : t - state.prev2At > o.abruptOnsetMs ? state.prevBpm : Math.max(state.prevBpm, state.prev2Bpm);
          const abrupt = state !== null && (t - state.calmAt <= o.abruptOnsetMs || bpm - before >= o.abruptRiseBpm);
          const onset: Onset = movement === 'inactive' ? 'at-rest' : abrupt ? 'abrupt' : 'gradual';
          run = { ...startRun(t, bpm, ctx.latestEventTime), onset };
        } else {
          // The device saying "at rest" during a run taken for exercise makes it unexplained.
          run = { ...run, last: t, extreme: Math.max(run.extreme, bpm), lastBpm: bpm, onset: movement === 'inactive' ? 'at-rest' : run.onset };
        }
        return after(state, restingBpm, calmAt, bpm, t, confirmRun(run, ctx, policy));
      },
      onTimer(state, ctx) {
        return state === null || state.run === null ? state : { ...state, run: endRun(state.run, ctx, policy, 'gap') };
      },
    });
  },
});
