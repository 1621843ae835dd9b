// Rule: heart rate above 110 bpm for 10 minutes while the wearer is not active: one episode, with
// its start, end, duration and peak (the anchor people live with: Apple Watch and Fitbit notify a
// high rate sustained for about 10 minutes while inactive). Activity comes from the device's steps
// or activity label; a device that sends neither is judged by how the run began (see
// src/rules/likely-activity.ts): an abrupt onset (above aboveBpm within abruptOnsetMs of a calm
// reading, or abruptRiseBpm above the two readings before it) alerts, a gradual climb is
// taken for exercise unless it lasts longer than any workout (likelyActiveForMs).
import { confirmRun, endRun, outOfOrder, runLength, startRun, type Run, type RunPolicy } from '../src/rules/episode-run.js';
import { movementOf, nextTrajectory, onsetOf, onsetOptions, type Onset, type Trajectory } from '../src/rules/likely-activity.js';
import { activitySchema, defineRule, stateful, z } from '../src/rules/index.js';

interface HighRun extends Run {
  /** How the run's inactivity is known: the device said so, an abrupt onset, or a gradual climb (likely exercise). */
  readonly onset: 'at-rest' | Onset;
}

interface State {
  readonly trajectory: Trajectory;
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
      /** abruptOnsetMs, calmMarginBpm, calmBelowBpm, abruptRiseBpm: src/rules/likely-activity.ts. */
      ...onsetOptions,
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
    return stateful({
      initialState: null as State | null,
      onReading(reading, state, ctx) {
        const bpm = reading.heartRate, t = reading.eventTime;
        const movement = movementOf(reading, o.exemptActivities, o.activeStepsPerMinute);
        const high = bpm > o.aboveBpm && movement !== 'active';
        if (state !== null && t < ctx.latestEventTime) {
          const run = outOfOrder(state.run, t, !high);
          return run === state.run ? state : { trajectory: state.trajectory, run };
        }
        const before = state?.trajectory ?? null;
        let run = state?.run ?? null;
        if (run !== null && t - run.last > o.maxGapMs) run = endRun(run, ctx, policy, 'gap');
        if (!high) {
          if (run !== null) run = endRun(run, ctx, policy, movement === 'active' ? 'activity' : 'recovered');
        } else {
          run = run === null
            ? { ...startRun(t, bpm, ctx.latestEventTime), onset: movement === 'inactive' ? 'at-rest' : onsetOf(before, bpm, t, o) }
            // The device saying "at rest" during a run taken for exercise makes it unexplained.
            : { ...run, last: t, extreme: Math.max(run.extreme, bpm), lastBpm: bpm, onset: movement === 'inactive' ? 'at-rest' : run.onset };
          run = confirmRun(run, ctx, policy);
        }
        return { trajectory: nextTrajectory(before, bpm, t, o), run };
      },
      onTimer(state, ctx) {
        return state === null || state.run === null ? state : { trajectory: state.trajectory, run: endRun(state.run, ctx, policy, 'gap') };
      },
    });
  },
});
