// The dashboard's SQL. Each query is bounded to a recent window and served by an index or the
// per-minute rollup (sql/007), so it stays fast however many readings are stored;
// test/dashboard-query-plans.test.ts reads their plans on a large table to keep it so.
// They take anything with pg's query shape (a pool or a client), the plan test's included.

/** The part of a pg.Pool the queries use. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Time windows of the charts. */
export const WINDOWS = { rollup: '10 minutes', trend: '10 minutes', rejects: '1 hour' } as const;

/** Every dashboard query by name, with parameters as the app passes them (for the plan test too). */
export const QUERIES = {
  // Per level and 10-bpm bucket over the window: the level shares and the distribution at once.
  levelsAndBuckets: {
    text: `SELECT level, bpm_bucket, sum(readings)::float8 AS readings
           FROM heartbeat_minutes WHERE minute >= date_trunc('minute', now() - $1::interval)
           GROUP BY level, bpm_bucket`,
    values: [WINDOWS.rollup],
  },
  // Newest detections first (index anomalies_detected_at).
  latestAnomalies: {
    text: `SELECT id::text, customer_id, rule, severity, event_time, episode_start, episode_end, detected_at,
                  detail->>'message' AS message, alert_suppressed
           FROM anomalies ORDER BY detected_at DESC LIMIT $1`,
    values: [20],
  },
  // The customers with the most recent anomalies: a rule that fires on every reading of one
  // customer must not hide the others, so distinct customers among the newest 500 detections.
  anomalyCustomers: {
    text: `SELECT customer_id FROM (SELECT customer_id, detected_at FROM anomalies ORDER BY detected_at DESC LIMIT 500) AS newest
           GROUP BY customer_id ORDER BY max(detected_at) DESC LIMIT $1`,
    values: [3],
  },
  // Heart rate of a few customers over the window (primary key (customer_id, event_time), newest partitions only).
  trend: {
    text: `SELECT customer_id, event_time, heart_rate FROM heartbeats
           WHERE customer_id = ANY($1::text[]) AND event_time >= now() - $2::interval
           ORDER BY customer_id, event_time LIMIT 20000`,
    values: [['c-00001'], WINDOWS.trend],
  },
  // Rejects per reason over the window (index rejected_readings_received_at).
  rejectsByReason: {
    text: `SELECT reason, count(*)::float8 AS rejects FROM rejected_readings
           WHERE received_at >= now() - $1::interval GROUP BY reason ORDER BY rejects DESC, reason LIMIT 20`,
    values: [WINDOWS.rejects],
  },
} as const;

export type QueryName = keyof typeof QUERIES;

/** One row of the latest anomalies table. */
export interface AnomalyRow {
  id: string;
  customerId: string;
  rule: string;
  severity: string;
  eventTime: number;
  episodeStart: number | null;
  episodeEnd: number | null;
  detectedAt: number;
  message: string | null;
  alertSuppressed: boolean | null;
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

/** Readings per level and per 10-bpm bucket over the rollup window. */
export async function levelsAndBuckets(db: Queryable): Promise<{ levels: Record<string, number>; buckets: Array<[number, number]> }> {
  const { rows } = await db.query<{ level: string; bpm_bucket: number; readings: number }>(QUERIES.levelsAndBuckets.text, [...QUERIES.levelsAndBuckets.values]);
  const levels: Record<string, number> = {};
  const buckets = new Map<number, number>();
  for (const r of rows) {
    levels[r.level] = (levels[r.level] ?? 0) + r.readings;
    buckets.set(r.bpm_bucket, (buckets.get(r.bpm_bucket) ?? 0) + r.readings);
  }
  return { levels, buckets: [...buckets].sort((a, b) => a[0] - b[0]) };
}

export async function latestAnomalies(db: Queryable, limit = 20): Promise<AnomalyRow[]> {
  const { rows } = await db.query<{
    id: string; customer_id: string; rule: string; severity: string; event_time: Date; episode_start: Date | null;
    episode_end: Date | null; detected_at: Date; message: string | null; alert_suppressed: boolean | null;
  }>(QUERIES.latestAnomalies.text, [limit]);
  return rows.map((r) => ({
    id: r.id, customerId: r.customer_id, rule: r.rule, severity: r.severity, eventTime: r.event_time.getTime(),
    episodeStart: ms(r.episode_start), episodeEnd: ms(r.episode_end), detectedAt: r.detected_at.getTime(), message: r.message,
    alertSuppressed: r.alert_suppressed,
  }));
}

/** Up to `limit` customers with the most recent anomalies, newest first. */
export async function anomalyCustomers(db: Queryable, limit = 3): Promise<string[]> {
  const { rows } = await db.query<{ customer_id: string }>(QUERIES.anomalyCustomers.text, [limit]);
  return rows.map((r) => r.customer_id);
}

/** Heart-rate points [ms, bpm] per customer over the trend window. */
export async function trends(db: Queryable, customers: readonly string[]): Promise<Record<string, Array<[number, number]>>> {
  const out: Record<string, Array<[number, number]>> = Object.fromEntries(customers.map((c) => [c, []]));
  if (customers.length === 0) return out;
  const { rows } = await db.query<{ customer_id: string; event_time: Date; heart_rate: number }>(QUERIES.trend.text, [[...customers], WINDOWS.trend]);
  for (const r of rows) out[r.customer_id]!.push([r.event_time.getTime(), r.heart_rate]);
  return out;
}

export async function rejectsByReason(db: Queryable): Promise<Array<{ reason: string; rejects: number }>> {
  const { rows } = await db.query<{ reason: string; rejects: number }>(QUERIES.rejectsByReason.text, [...QUERIES.rejectsByReason.values]);
  return rows;
}
