// The one implementation of "a run of readings beyond a threshold becomes an episode", behind
// tachycardia and bradycardia: a run that lasts durationMs of event time is reported once when
// confirmed (open) and once more when it ends (with episodeEnd, duration and extreme), never once
// per reading. A silence longer than maxGapMs ends the run, closed by a timer so the end does not
// wait for the customer's next reading. Pure: every function returns the next run.
//
// A run's length counts from the estimated crossing, not from its first reading: readings are
// samples, and the rate crossed the threshold somewhere between the previous reading and the
// first one beyond it. Halfway is the unbiased estimate; counted from the first reading, every
// episode would be confirmed half a sampling interval (up to 7.5 s on a 15-s device) late.
import type { Severity } from '../core/types.js';
import type { StatefulContext } from './contract.js';

/**
 * A run in progress: its first reading's event time (the episode's start), the estimated crossing
 * its length counts from, its last event time, the most extreme and the last bpm, whether reported.
 */
export interface Run {
  readonly start: number;
  readonly crossedAt: number;
  readonly last: number;
  readonly extreme: number;
  readonly lastBpm: number;
  readonly reported: boolean;
}

/** How a rule's runs become episodes. */
export interface RunPolicy<R extends Run> {
  readonly messageId: string;
  readonly maxGapMs: number;
  /** Whether the run, as it stands, is an episode to report (its duration, and what else the rule asks). */
  confirmed(run: R): boolean;
  severity(run: R): Severity;
  /** The anomaly's data; `endedBy` is set on the closing report. */
  data(run: R, endedBy?: string): Record<string, unknown>;
}

/**
 * The longest interval between readings that the crossing is interpolated over: a device that was
 * off the wrist before the run does not lengthen it by more than half of this.
 */
const MAX_INTERPOLATED_MS = 30_000;

/** A run that begins with a reading of bpm at t; previousAt is the customer's reading before it (-Infinity: none). */
export function startRun(t: number, bpm: number, previousAt: number): Run {
  const crossedAt = t - previousAt <= MAX_INTERPOLATED_MS ? t - (t - previousAt) / 2 : t;
  return { start: t, crossedAt, last: t, extreme: bpm, lastBpm: bpm, reported: false };
}

/** How long the rate has been beyond the threshold: from the estimated crossing to the last reading. */
export function runLength(run: Run): number {
  return run.last - run.crossedAt;
}

/** Ends a run: reports its end when it had been reported, and clears the gap timer. */
export function endRun<R extends Run>(run: R, ctx: StatefulContext, policy: RunPolicy<R>, endedBy: string): null {
  if (run.reported) {
    ctx.report({
      messageId: policy.messageId, severity: policy.severity(run), episodeStart: run.start, episodeEnd: run.last,
      data: { ...policy.data(run, endedBy), durationMinutes: Math.round(runLength(run) / 6_000) / 10 },
    });
  }
  ctx.clearTimer();
  return null;
}

/** Reports the run when it has just become an episode, and arms the timer that closes it on silence. */
export function confirmRun<R extends Run>(run: R, ctx: StatefulContext, policy: RunPolicy<R>): R {
  let next = run;
  if (!run.reported && policy.confirmed(run)) {
    next = { ...run, reported: true };
    ctx.report({ messageId: policy.messageId, severity: policy.severity(next), episodeStart: next.start, data: policy.data(next) });
  }
  ctx.setTimer(run.last + policy.maxGapMs + 1);
  return next;
}

/**
 * An out-of-order reading (within the allowed lateness) at `t`. One that contradicts an unreported
 * run restarts it, conservatively, at its latest reading, whose rate is then its only extreme; a
 * reported episode stands; anything else changes nothing.
 */
export function outOfOrder<R extends Run>(run: R | null, t: number, contradicts: boolean): R | null {
  if (run === null || t < run.start || !contradicts || run.reported) return run;
  return { ...run, start: run.last, crossedAt: run.last, extreme: run.lastBpm };
}
