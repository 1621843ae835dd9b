// The counters and histograms one consumer thread keeps, in its own prom-client registry: the one
// place the pipeline is counted. The thread posts the registry's JSON every second; the
// orchestrator sums the threads for /metrics (src/metrics/registry.ts), and reads its stats lines'
// and the dashboard's totals from the same JSON (src/metrics/totals.ts).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChunkResult } from '../core/types.js';
import type { StateCounts } from '../rules/partition-state.js';
import { BulkHistogram } from './bulk-histogram.js';

/** Seconds; from a fast local write to a minute-long backlog. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000];

/** Metric names shared by the thread side and the orchestrator side. */
export const METRIC = {
  consumed: 'heartbeat_readings_consumed_total',
  stored: 'heartbeat_readings_stored_total',
  rejected: 'heartbeat_readings_rejected_total',
  anomalies: 'heartbeat_anomalies_total',
  alertsPublished: 'heartbeat_alerts_published_total',
  alertsSuppressed: 'heartbeat_alerts_suppressed_total',
  pluginFailures: 'heartbeat_plugin_failures_total',
  // Formerly heartbeat_batch_size: docs/dashboard.md says so, for dashboards that query it.
  groupSize: 'heartbeat_group_size',
  writeLatency: 'heartbeat_write_latency_seconds',
  endToEnd: 'heartbeat_end_to_end_latency_seconds',
  stateCustomers: 'heartbeat_rule_state_customers',
  stateEvictions: 'heartbeat_rule_state_evictions_total',
} as const;

/** One thread's metrics. */
export function createWorkerMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const stateCustomers = new Gauge({ name: METRIC.stateCustomers, help: 'Customers whose rule state the workers keep (bounded by rules.maxCustomersInState per worker).', registers });
  const stateEvictions = new Counter({ name: METRIC.stateEvictions, help: 'Customers whose rule state was forgotten: idle past the rules\' longest window, or least recently seen beyond the cap.', labelNames: ['cause'] as const, registers });
  let evicted = { idle: 0, cap: 0 };
  const metrics = {
    /** Takes the engine's state counts (a gauge and two running totals) into the registry. */
    recordState(counts: StateCounts): void {
      stateCustomers.set(counts.customers);
      stateEvictions.inc({ cause: 'idle' }, counts.evictedIdle - evicted.idle);
      stateEvictions.inc({ cause: 'cap' }, counts.evictedCap - evicted.cap);
      evicted = { idle: counts.evictedIdle, cap: counts.evictedCap };
    },
    registry,
    consumed: new Counter({ name: METRIC.consumed, help: 'Messages consumed from the readings topic and committed.', registers }),
    stored: new Counter({ name: METRIC.stored, help: 'Readings newly stored in PostgreSQL (redeliveries not counted).', registers }),
    rejected: new Counter({ name: METRIC.rejected, help: 'Messages rejected (stored in rejected_readings and copied to the dead-letter topic), by reason.', labelNames: ['reason'] as const, registers }),
    anomalies: new Counter({ name: METRIC.anomalies, help: 'Anomalies stored, by rule: an episode counts once (not again when it ends), a redelivery not at all.', labelNames: ['rule'] as const, registers }),
    alertsPublished: new Counter({ name: METRIC.alertsPublished, help: 'New anomalies published to the alerts topic.', registers }),
    alertsSuppressed: new Counter({ name: METRIC.alertsSuppressed, help: 'New anomalies not published because of the per-customer, per-rule cool-down.', registers }),
    pluginFailures: new Counter({ name: METRIC.pluginFailures, help: 'Plugin calls that threw or overran their time budget, by plugin.', labelNames: ['plugin'] as const, registers }),
    groupSize: new Histogram({ name: METRIC.groupSize, help: 'Messages per group a worker writes (one chunk, or the chunks ready together).', buckets: SIZE_BUCKETS, registers }),
    writeLatency: new Histogram({ name: METRIC.writeLatency, help: 'Time to make one group durable (PostgreSQL write and dead-letter copies), seconds.', buckets: LATENCY_BUCKETS, registers }),
    // Observed once per reading: the cheap histogram.
    endToEnd: new BulkHistogram(METRIC.endToEnd, 'Event time of a reading to its row committed in PostgreSQL, seconds.', LATENCY_BUCKETS, registers),
    /** Counts a durable write (a group: one chunk, or several): sizes, outcomes, alerts, write and end-to-end latency. */
    recordWrite(write: DurableWrite): void {
      const now = Date.now();
      const { consumed, outcome } = write;
      metrics.consumed.inc(consumed);
      metrics.stored.inc(write.stored);
      metrics.groupSize.observe(consumed);
      metrics.writeLatency.observe(write.writeMs / 1000);
      for (const r of outcome.rejects) metrics.rejected.inc({ reason: r.reason });
      for (const [rule, n] of Object.entries(write.newAnomalies)) metrics.anomalies.inc({ rule }, n);
      for (const row of outcome.rows) metrics.endToEnd.observe(Math.max(0, now - row.eventTime) / 1000);
      metrics.alertsPublished.inc(write.published);
      metrics.alertsSuppressed.inc(write.suppressed);
    },
  };
  return metrics;
}

/** What one durable write made durable, as recordWrite counts it. */
export interface DurableWrite {
  /** Messages of the chunks written. */
  consumed: number;
  /** What the store took, plus every reject (stored, or on the dead-letter topic only). */
  outcome: ChunkResult;
  /** Readings newly stored (redeliveries not counted). */
  stored: number;
  /** New anomaly rows by rule (an episode's completion and redeliveries not counted). */
  newAnomalies: Readonly<Record<string, number>>;
  writeMs: number;
  /** Alerts published, and suppressed by the cool-down. */
  published: number;
  suppressed: number;
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** The registry as JSON, the form posted to the orchestrator. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
