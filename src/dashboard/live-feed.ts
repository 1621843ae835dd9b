// What the dashboard shows, assembled once per push for every open page: the live series
// (readings per second, end-to-end latency percentiles) sampled from the workers' counters, and
// the database views (levels, distribution, latest anomalies, trends, rejects), plus lag and health.
import type { PartitionLag } from '../kafka/lag.js';
import { METRIC } from '../metrics/worker-metrics.js';
import { quantileBetween, type CumulativeBuckets, type PipelineMetrics } from '../metrics/registry.js';
import type { WorkerHealth } from '../orchestrator/worker-pool.js';
import { anomalyCustomers, latestAnomalies, levelsAndBuckets, rejectsByReason, trends, type AnomalyRow, type Queryable } from '../store/dashboard-queries.js';

/** The pipeline as the dashboard sees it (the WorkerPool, or nothing when only the dashboard runs). */
export interface PipelineView {
  snapshot(): { totals: { consumed: number; stored: number; rejected: number; anomalies: number } };
  health(): WorkerHealth[];
}

/** Points kept of the live series (one per push: 5 minutes at the default 1 s). */
const SERIES_POINTS = 300;
/** Customers with the latest anomalies whose heart rate is drawn. */
const TREND_CUSTOMERS = 3;

export interface LiveSeries {
  t: number[];
  perSecond: number[];
  p50Ms: Array<number | null>;
  p95Ms: Array<number | null>;
}

/** One push to the page. */
export interface Snapshot {
  at: number;
  series: LiveSeries;
  totals: { consumed: number; stored: number; rejected: number; anomalies: number };
  levels: Record<string, number>;
  buckets: Array<[number, number]>;
  anomalies: AnomalyRow[];
  trends: Record<string, Array<[number, number]>>;
  rejects: Array<{ reason: string; rejects: number }>;
  lag: PartitionLag[];
  workers: WorkerHealth[];
}

export class LiveFeed {
  private readonly series: LiveSeries = { t: [], perSecond: [], p50Ms: [], p95Ms: [] };
  private last: { at: number; consumed: number; latency: CumulativeBuckets } | undefined;

  constructor(private readonly db: Queryable, private readonly pipeline: PipelineView | undefined, private readonly metrics: PipelineMetrics) {}

  /** Adds one point to the live series (call at a steady interval). */
  async sample(now = Date.now()): Promise<void> {
    const consumed = this.pipeline?.snapshot().totals.consumed ?? 0;
    const latency = await this.metrics.histogram(METRIC.endToEnd);
    if (this.last !== undefined) {
      const seconds = Math.max(0.001, (now - this.last.at) / 1000);
      const toMs = (s: number | null) => (s === null ? null : Math.round(s * 10_000) / 10);
      this.push(now, Math.round((consumed - this.last.consumed) / seconds), toMs(quantileBetween(this.last.latency, latency, 0.5)), toMs(quantileBetween(this.last.latency, latency, 0.95)));
    }
    this.last = { at: now, consumed, latency };
  }

  private push(t: number, perSecond: number, p50: number | null, p95: number | null): void {
    const s = this.series;
    s.t.push(t);
    s.perSecond.push(perSecond);
    s.p50Ms.push(p50);
    s.p95Ms.push(p95);
    if (s.t.length > SERIES_POINTS) for (const key of ['t', 'perSecond', 'p50Ms', 'p95Ms'] as const) s[key].shift();
  }

  /** Everything the page shows, queried now. */
  async snapshot(): Promise<Snapshot> {
    const [lb, anomalies, rejects, customers] = await Promise.all([
      levelsAndBuckets(this.db), latestAnomalies(this.db), rejectsByReason(this.db), anomalyCustomers(this.db, TREND_CUSTOMERS),
    ]);
    return {
      at: Date.now(),
      series: this.series,
      totals: this.pipeline?.snapshot().totals ?? { consumed: 0, stored: 0, rejected: 0, anomalies: 0 },
      levels: lb.levels,
      buckets: lb.buckets,
      anomalies,
      trends: await trends(this.db, customers),
      rejects,
      lag: this.metrics.currentLag,
      workers: this.pipeline?.health() ?? [],
    };
  }

  /** Heart-rate points of chosen customers over the trend window, all in one query. */
  async customers(ids: readonly string[]): Promise<Record<string, Array<[number, number]>>> {
    return trends(this.db, ids);
  }

  /** Heart-rate points of one chosen customer over the trend window. */
  async customer(id: string): Promise<Array<[number, number]>> {
    return (await this.customers([id]))[id] ?? [];
  }
}

/** A feed over a database pool (anything with pg's query shape) and the pipeline. */
export function createLiveFeedFor(db: Queryable, pipeline: PipelineView | undefined, metrics: PipelineMetrics): LiveFeed {
  return new LiveFeed(db, pipeline, metrics);
}
