// The one implementation behind sustained-high and sustained-low: a run of readings beyond a
// threshold lasting durationMs of event time becomes one episode, reported when confirmed
// (open) and again when it ends (with episodeEnd), not once per reading.
import { z } from 'zod';
import type { Activity } from '../core/types.js';
import { defineRule, type RuleDefinition, type StatefulContext } from './contract.js';

/** A run in progress: first and last in-range event time, the most extreme bpm, whether reported. */
interface Run {
  readonly start: number;
  readonly last: number;
  readonly peak: number;
  readonly reported: boolean;
}

export interface SustainedRuleSpec {
  id: string;
  description: string;
  direction: 'above' | 'below';
  thresholdBpm: number;
  severity: 'info' | 'warning' | 'critical';
}

const activity = z.enum(['sleep', 'rest', 'walk', 'exercise']);

/** Builds a sustained-threshold rule; each plugin file default-exports one. */
export function defineSustainedRule(spec: SustainedRuleSpec) {
  const options = z.object({
    thresholdBpm: z.number().default(spec.thresholdBpm),
    /** Event time the run must last to become an episode. */
    durationMs: z.number().int().positive().default(10 * 60_000),
    /** A longer silence between in-range readings ends the run (the signal was lost). */
    maxGapMs: z.number().int().positive().default(2 * 60_000),
    /** Readings with these activities explain the heart rate and break the run. */
    exemptActivities: z.array(activity).default(['exercise']),
    severity: z.enum(['info', 'warning', 'critical']).default(spec.severity),
  });
  const word = spec.direction === 'above' ? 'above' : 'below';
  const definition: RuleDefinition<typeof options, Run | null> = defineRule({
    meta: {
      id: spec.id, kind: 'rule', version: '1.0.0', description: spec.description, options,
      messages: {
        sustained: `Heart rate ${word} {{thresholdBpm}} bpm for at least {{minutes}} minutes`,
      },
    },
    create(o) {
      const beyond = spec.direction === 'above' ? (bpm: number) => bpm > o.thresholdBpm : (bpm: number) => bpm < o.thresholdBpm;
      const extreme = spec.direction === 'above' ? Math.max : Math.min;
      const exempt = (a: Activity | undefined) => a !== undefined && o.exemptActivities.includes(a);
      const data = (run: Run, endedBy?: string) => ({
        thresholdBpm: o.thresholdBpm, minutes: Math.round(o.durationMs / 60_000), peakBpm: run.peak, ...(endedBy ? { endedBy } : {}),
      });
      const end = (run: Run, ctx: StatefulContext, endedBy: string): null => {
        if (run.reported) {
          ctx.report({ messageId: 'sustained', severity: o.severity, episodeStart: run.start, episodeEnd: run.last, data: data(run, endedBy) });
        }
        ctx.clearTimer();
        return null;
      };
      return {
        initialState: null,
        onReading(reading, run, ctx) {
          const t = reading.eventTime;
          const inRun = beyond(reading.heartRate) && !exempt(reading.activity);
          if (t < ctx.latestEventTime) {
            // Out of order (within the allowed lateness). A contradicting reading inside an unreported
            // run restarts it, conservatively, at its latest in-range reading; a reported episode stands.
            if (run === null || t < run.start || inRun || run.reported) return run;
            return { start: run.last, last: run.last, peak: run.peak, reported: false };
          }
          if (run !== null && t - run.last > o.maxGapMs) run = end(run, ctx, 'gap');
          if (!inRun) return run === null ? null : end(run, ctx, exempt(reading.activity) ? 'activity' : 'recovered');
          let next: Run = run === null
            ? { start: t, last: t, peak: reading.heartRate, reported: false }
            : { start: run.start, last: t, peak: extreme(run.peak, reading.heartRate), reported: run.reported };
          if (!next.reported && next.last - next.start >= o.durationMs) {
            next = { ...next, reported: true };
            ctx.report({ messageId: 'sustained', severity: o.severity, episodeStart: next.start, data: data(next) });
          }
          // Closes the episode if the customer goes silent, without waiting for their next reading.
          ctx.setTimer(t + o.maxGapMs + 1);
          return next;
        },
        onTimer(run, ctx) {
          return run === null ? null : end(run, ctx, 'gap');
        },
      };
    },
  });
  return definition;
}
