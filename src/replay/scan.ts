// Pass 1 of a replay: reads a recording once to learn its time range, its customers, whether it is
// in time order, and its skips per reason. Holds counters only (one per customer), not readings.
import type { Recording } from './open.js';
import { isSkip, type Skip } from './types.js';

/** How often a reason occurred, and where first. */
export interface SkipCount {
  count: number;
  first: Omit<Skip, 'skip'>;
}

/** What pass 1 learned about one recording. */
export interface RecordingStats {
  file: string;
  format: Recording['format'];
  readings: number;
  /** Readings per customer. */
  customers: Map<string, number>;
  /** Oldest and newest event time (epoch ms); NaN when there are no readings. */
  oldest: number;
  newest: number;
  /** True when no reading is older than the one before it in the file. */
  inOrder: boolean;
  skips: Map<string, SkipCount>;
}

/** Counts a skip into `skips` (first occurrence kept). */
export function countSkip(skips: Map<string, SkipCount>, item: Skip): void {
  const known = skips.get(item.skip);
  if (known === undefined) skips.set(item.skip, { count: 1, first: item.entry === undefined ? { line: item.line } : { line: item.line, entry: item.entry } });
  else known.count += 1;
}

/** Scans a recording; `onItem` is called per item (progress). Rejects with the parser's ReplayInputError. */
export async function scanRecording(recording: Recording, onItem?: (items: number) => void): Promise<RecordingStats> {
  const stats: RecordingStats = {
    file: recording.file, format: recording.format, readings: 0, customers: new Map(),
    oldest: Number.NaN, newest: Number.NaN, inOrder: true, skips: new Map(),
  };
  let previous = Number.NEGATIVE_INFINITY;
  let items = 0;
  for await (const item of recording.items()) {
    onItem?.(++items);
    if (isSkip(item)) {
      countSkip(stats.skips, item);
      continue;
    }
    stats.readings += 1;
    stats.customers.set(item.customerId, (stats.customers.get(item.customerId) ?? 0) + 1);
    if (!(item.timeMs >= stats.oldest)) stats.oldest = item.timeMs;
    if (!(item.timeMs <= stats.newest)) stats.newest = item.timeMs;
    if (item.timeMs < previous) stats.inOrder = false;
    previous = item.timeMs;
  }
  return stats;
}
