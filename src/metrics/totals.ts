// The pipeline's running totals (readings consumed, stored, rejected, anomalies, writes, plugin
// failures), read from the consumer threads' metrics JSON: the stats lines and the dashboard show
// the numbers /metrics exposes, not a second count of their own.
import { METRIC, type MetricsJson } from './worker-metrics.js';

/** Summed counters of the threads given. */
export interface PipelineTotals {
  consumed: number;
  /** Readings newly stored (redeliveries not counted). */
  stored: number;
  rejected: number;
  anomalies: number;
  /** Groups written (a group: one chunk, or the chunks of one turn written together). */
  groups: number;
  pluginFailures: number;
}

/** The counter (all its labels) or histogram sample each total sums. */
const SOURCES: ReadonlyArray<[keyof PipelineTotals, string]> = [
  ['consumed', METRIC.consumed], ['stored', METRIC.stored], ['rejected', METRIC.rejected], ['anomalies', METRIC.anomalies],
  ['groups', `${METRIC.groupSize}_count`], ['pluginFailures', METRIC.pluginFailures],
];

/** The totals of `threads` (each a thread's registry as JSON; past threads' last reports included). */
export function totalsOf(threads: readonly MetricsJson[]): PipelineTotals {
  const totals: PipelineTotals = { consumed: 0, stored: 0, rejected: 0, anomalies: 0, groups: 0, pluginFailures: 0 };
  for (const metrics of threads) {
    for (const metric of metrics) {
      for (const [key, name] of SOURCES) {
        // A counter's samples are all named after it; a histogram's carry the sample's own name.
        for (const v of metric.values as Array<{ value: number; metricName?: string }>) {
          if ((v.metricName ?? metric.name) === name) totals[key] += v.value;
        }
      }
    }
  }
  return totals;
}
