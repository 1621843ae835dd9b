// The text `heartbeat replay` prints at the end: per file what was read, what was sent, the time
// shift, and every skip reason with its count and first place.
import type { ReplayPlan } from './plan.js';
import type { PublishResult } from './publish.js';
import type { RecordingStats } from './scan.js';

const n = (v: number) => v.toLocaleString('en-US');

/** A duration as [-]D d HH:MM:SS. */
export function formatShift(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let s = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((x) => String(x).padStart(2, '0')).join(':');
  return `${sign}${n(days)} d ${hms}`;
}

/** Messages the readings topic held, before the replay sent anything, stamped at or after sinceMs. */
export interface NewerOnTopic {
  count: number;
  sinceMs: number;
}

/** What the summary reports. */
export interface SummaryInput {
  topic: string;
  stats: readonly RecordingStats[];
  /** Null when nothing was sent (no readings). */
  plan: ReplayPlan | null;
  result: PublishResult;
  elapsedMs: number;
  /** Files sent in file order (not in time order, too many customers to merge). */
  inFileOrder: readonly string[];
  /** Null when nothing was sent. */
  newerOnTopic?: NewerOnTopic | null;
}

export function formatSummary(input: SummaryInput): string {
  const { topic, stats, plan, result } = input;
  const skipped = stats.reduce((sum, s) => sum + [...s.skips.values()].reduce((a, c) => a + c.count, 0), 0) + result.tooOld;
  const lines = [
    `${result.interrupted ? 'Interrupted: ' : ''}Replayed ${stats.length} file${stats.length === 1 ? '' : 's'} to ${topic} in ${(input.elapsedMs / 1000).toFixed(1)} s: ` +
      `sent ${n(result.sent)} readings of ${n(result.customers)} customer${result.customers === 1 ? '' : 's'}, skipped ${n(skipped)}.`,
  ];
  for (const s of stats) {
    const fileSkips = [...s.skips.values()].reduce((a, c) => a + c.count, 0);
    lines.push(`  ${s.file} (${s.format}): ${n(s.readings)} readings of ${n(s.customers.size)} customer${s.customers.size === 1 ? '' : 's'}, ${n(fileSkips)} skipped` +
      `${Number.isNaN(s.oldest) ? '' : `, recorded ${new Date(s.oldest).toISOString()} to ${new Date(s.newest).toISOString()}`}`);
  }
  if (plan !== null) {
    lines.push(`Times shifted by ${formatShift(plan.shiftMs)} (${plan.shiftMs >= 0 ? '+' : ''}${plan.shiftMs} ms)` +
      `${Number.isNaN(result.oldestSentMs) ? '' : `: sent ${new Date(result.oldestSentMs).toISOString()} to ${new Date(result.newestSentMs).toISOString()}`}` +
      `${Number.isFinite(plan.speed) ? `, paced at ${plan.speed}x` : ''}.`);
  }
  if (result.rounded > 0) lines.push(`Rounded to the nearest whole bpm: ${n(result.rounded)} heart rates that were not whole numbers.`);
  for (const file of input.inFileOrder) {
    lines.push(`Sent in file order (not in time order, too many customers to merge): ${file}; readings behind their partition's newest by more than rules.allowedLatenessMs are stored as late.`);
  }
  const newer = input.newerOnTopic;
  if (newer != null && newer.count > 0) {
    lines.push(
      `Late for a running consumer: ${topic} already held ${n(newer.count)} message${newer.count === 1 ? '' : 's'} stamped after ${new Date(newer.sinceMs).toISOString()} (live devices, the simulator or an earlier replay).`,
      "  A consumer that has read them stores replayed readings more than rules.allowedLatenessMs behind its partition's newest as late,",
      '  and no stateful rule (tachycardia, bradycardia, signal-loss, baseline-shift) sees them. To see what the rules make of a recording,',
      '  replay into a topic of its own with a fresh consumer group (give both commands --kafka-topics-readings and --kafka-group-id;',
      '  docs/replay.md), or run heartbeat evaluate --data.',
    );
  }
  const reasons = new Map<string, { count: number; where: string }>();
  for (const s of stats) {
    for (const [reason, c] of s.skips) {
      const where = `${s.file} line ${c.first.line}${c.first.entry === undefined ? '' : `, entry ${c.first.entry}`}`;
      const known = reasons.get(reason);
      if (known === undefined) reasons.set(reason, { count: c.count, where });
      else known.count += c.count;
    }
  }
  if (result.tooOld > 0) reasons.set('older_than_range_max_age', { count: result.tooOld, where: 'the oldest readings' });
  if (reasons.size > 0) {
    lines.push('Skipped, by reason:');
    const width = Math.max(...[...reasons.keys()].map((r) => r.length));
    const countWidth = Math.max(...[...reasons.values()].map((r) => n(r.count).length));
    for (const [reason, { count, where }] of [...reasons].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))) {
      lines.push(`  ${reason.padEnd(width)}  ${n(count).padStart(countWidth)}  first: ${where}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
