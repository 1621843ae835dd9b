// The orchestrator's /metrics: the consumer threads' metrics summed (threads post theirs with
// their stats; a restarted thread's last numbers stay in the sum, so counters never go back),
// plus what only the orchestrator knows: lag per partition, worker health and restarts.
import { AggregatorRegistry, Gauge, Registry, collectDefaultMetrics, type MetricValue } from 'prom-client';
import type { PartitionLag } from '../kafka/lag.js';
import type { MetricsJson } from './worker-metrics.js';

/** What the metrics read of the worker threads (the orchestrator's WorkerPool). */
export interface WorkerThreads {
  health(): ReadonlyArray<{ index: number; up: boolean }>;
  snapshot(): { restarts: number };
  /** Every thread's metrics, past and present, to be summed. */
  metricsJson(): MetricsJson[];
}

/** A cumulative histogram: upper bounds with the count at or below each, then the total. */
export interface CumulativeBuckets {
  bounds: number[];
  counts: number[];
  count: number;
}

export class PipelineMetrics {
  private readonly own = new Registry();
  private lag: PartitionLag[] = [];

  private streams: () => { open: number; refused: number; dropped: number } = () => ({ open: 0, refused: 0, dropped: 0 });

  constructor(private readonly pool: WorkerThreads | undefined) {
    const registers = [this.own];
    collectDefaultMetrics({ register: this.own, prefix: 'heartbeat_' });
    const metrics = this;
    new Gauge({
      name: 'heartbeat_consumer_lag', help: 'Messages on the readings topic not yet committed by the consumer group, per partition.',
      labelNames: ['partition'] as const, registers,
      collect() {
        this.reset();
        for (const p of metrics.lag) this.set({ partition: String(p.partition) }, p.lag);
      },
    });
    new Gauge({
      name: 'heartbeat_worker_up', help: '1 while a consumer worker thread runs and reports, else 0.',
      labelNames: ['worker'] as const, registers,
      collect() {
        for (const w of pool?.health() ?? []) this.set({ worker: String(w.index) }, w.up ? 1 : 0);
      },
    });
    // The dashboard's live streams; the two totals are counters in meaning, exposed through gauges'
    // collect() since the dashboard owns the numbers.
    const streamGauges = [
      ['heartbeat_dashboard_streams', 'Live dashboard streams (/api/stream) open now.', 'open'],
      ['heartbeat_dashboard_streams_refused_total', 'Live dashboard streams refused (503) by the total or per-client cap, since start.', 'refused'],
      ['heartbeat_dashboard_streams_dropped_total', 'Live dashboard streams closed because their client stopped reading, since start.', 'dropped'],
    ] as const;
    for (const [name, help, field] of streamGauges) {
      new Gauge({ name, help, registers, collect() { this.set(metrics.streams()[field]); } });
    }
    // A counter in meaning; exposed through a gauge's collect() since the pool owns the number.
    new Gauge({
      name: 'heartbeat_worker_restarts_total', help: 'Consumer worker threads restarted after a failure, since start.', registers,
      collect() {
        this.set(pool?.snapshot().restarts ?? 0);
      },
    });
  }

  /** Where the dashboard's live-stream counts are read from (the dashboard registers its own). */
  watchStreams(counts: () => { open: number; refused: number; dropped: number }): void {
    this.streams = counts;
  }

  /** Latest lag per partition (read by the orchestrator's lag poller). */
  setLag(lag: PartitionLag[]): void {
    this.lag = lag;
  }

  get currentLag(): PartitionLag[] {
    return this.lag;
  }

  /** The worker threads' metrics summed into one registry. */
  workers(): Registry {
    return AggregatorRegistry.aggregate(this.pool?.metricsJson() ?? []);
  }

  /** The Prometheus text exposition of everything. */
  async render(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([this.workers(), this.own]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  /** The summed histogram `name` of the worker threads (for live latency percentiles). */
  async histogram(name: string): Promise<CumulativeBuckets> {
    const metric = this.workers().getSingleMetric(name);
    const values = ((await metric?.get())?.values ?? []) as Array<MetricValue<string> & { metricName?: string }>;
    const buckets = values.filter((v) => v.metricName === `${name}_bucket` && v.labels.le !== '+Inf')
      .map((v) => ({ le: Number(v.labels.le), value: v.value })).sort((a, b) => a.le - b.le);
    const count = values.find((v) => v.metricName === `${name}_count`)?.value ?? 0;
    return { bounds: buckets.map((b) => b.le), counts: buckets.map((b) => b.value), count };
  }
}

/**
 * The q-quantile of the observations between two readings of a cumulative histogram, linearly
 * interpolated within its bucket (as Prometheus's histogram_quantile does); null when none.
 */
export function quantileBetween(before: CumulativeBuckets | undefined, after: CumulativeBuckets, q: number): number | null {
  const delta = (i: number) => after.counts[i]! - (before?.counts[i] ?? 0);
  const total = after.count - (before?.count ?? 0);
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < after.bounds.length; i += 1) {
    const c = delta(i);
    if (c >= rank) {
      const inBucket = c - lowerCount;
      return inBucket <= 0 ? after.bounds[i]! : lowerBound + (after.bounds[i]! - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = after.bounds[i]!;
    lowerCount = c;
  }
  // Above the highest bound: report that bound, as histogram_quantile does.
  return after.bounds.at(-1) ?? null;
}
