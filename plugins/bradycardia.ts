// Rule: heart rate below 50 bpm for 10 minutes: one episode, with its start, end, duration and
// trough; critical when the trough is below 40 (the anchor people live with: Apple Watch and Fitbit
// notify a low rate sustained for about 10 minutes). Each reading's level still shows a single low one.
import { confirmRun, endRun, outOfOrder, runLength, startRun, type Run, type RunPolicy } from '../src/rules/episode-run.js';
import { activitySchema, defineRule, stateful, z } from '../src/rules/index.js';

export default defineRule({
  meta: {
    id: 'bradycardia',
    kind: 'rule',
    version: '2.0.0',
    description: 'One anomaly per episode of heart rate below belowBpm for durationMs (critical when it goes below criticalBelowBpm).',
    options: z.object({
      belowBpm: z.number().default(50),
      /** An episode whose trough is below this is critical. */
      criticalBelowBpm: z.number().default(40),
      /** Event time the rate must stay below belowBpm, from the estimated crossing (halfway from the reading before; src/rules/episode-run.ts). */
      durationMs: z.number().int().positive().default(10 * 60_000),
      /** A longer silence between readings ends the run (the device was taken off). */
      maxGapMs: z.number().int().positive().default(2 * 60_000),
      /** Activities whose low readings are expected, e.g. ["sleep"] for athletes; a reading with one ends the run. */
      ignoreActivities: z.array(activitySchema).default([]),
    }).refine((o) => o.criticalBelowBpm <= o.belowBpm, { message: 'criticalBelowBpm must not exceed belowBpm' }),
    messages: {
      low: 'Heart rate below {{thresholdBpm}} bpm for {{minutes}} minutes (lowest {{lowestBpm}} bpm)',
    },
  },
  create(o) {
    const policy: RunPolicy<Run> = {
      messageId: 'low',
      maxGapMs: o.maxGapMs,
      confirmed: (run) => runLength(run) >= o.durationMs,
      severity: (run) => (run.extreme < o.criticalBelowBpm ? 'critical' : 'warning'),
      data: (run, endedBy) => ({ thresholdBpm: o.belowBpm, minutes: Math.round(o.durationMs / 60_000), lowestBpm: run.extreme, ...(endedBy ? { endedBy } : {}) }),
    };
    return stateful({
      initialState: null as Run | null,
      onReading(reading, run, ctx) {
        const t = reading.eventTime;
        const ignored = reading.activity !== undefined && o.ignoreActivities.includes(reading.activity);
        const low = reading.heartRate < o.belowBpm && !ignored;
        if (t < ctx.latestEventTime) return outOfOrder(run, t, !low);
        if (run !== null && t - run.last > o.maxGapMs) run = endRun(run, ctx, policy, 'gap');
        if (!low) return run === null ? null : endRun(run, ctx, policy, ignored ? 'activity' : 'recovered');
        const next: Run = run === null
          ? startRun(t, reading.heartRate, ctx.latestEventTime)
          : { ...run, last: t, extreme: Math.min(run.extreme, reading.heartRate), lastBpm: reading.heartRate };
        return confirmRun(next, ctx, policy);
      },
      onTimer: (run, ctx) => (run === null ? null : endRun(run, ctx, policy, 'gap')),
    });
  },
});
