// The alert state of anomalies: which of a batch's anomalies are stored but not yet alerted, and
// recording the decision (published or suppressed by the cool-down). Runs after the batch write,
// so it sees the rows that write inserted; a redelivered batch finds the undecided ones again.
import type pg from 'pg';
import type { Anomaly, Severity } from '../core/types.js';

/** A stored anomaly whose alert is not decided yet. */
export interface PendingAlert {
  id: string;
  customerId: string;
  rule: string;
  severity: Severity;
  eventTime: number;
  episodeStart: number | null;
  episodeEnd: number | null;
  detectedAt: number;
  detail: Record<string, unknown>;
}

const PENDING = `
SELECT a.id::text, a.customer_id, a.rule, a.severity, a.event_time, a.episode_start, a.episode_end, a.detected_at, a.detail
FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(customer_id, rule, event_time)
JOIN anomalies a ON a.customer_id = k.customer_id AND a.rule = k.rule AND a.event_time = k.event_time
WHERE a.alerted_at IS NULL
ORDER BY a.event_time, a.id`;

// Left undecided for a while: the chunk that stored them ended without deciding (a crash).
const STALE = `
SELECT a.id::text, a.customer_id, a.rule, a.severity, a.event_time, a.episode_start, a.episode_end, a.detected_at, a.detail
FROM anomalies a
WHERE a.alerted_at IS NULL AND a.detected_at < now() - $1::int * interval '1 millisecond'
ORDER BY a.detected_at LIMIT $2`;

const ms = (d: Date | null) => (d === null ? null : d.getTime());

/** The batch's anomalies that are stored and not yet alerted, oldest first. */
export async function pendingAlerts(pool: pg.Pool, anomalies: readonly Anomaly[]): Promise<PendingAlert[]> {
  if (anomalies.length === 0) return [];
  const { rows } = await pool.query<PendingRow>({
    name: 'heartbeat-pending-alerts', text: PENDING,
    values: [anomalies.map((a) => a.customerId), anomalies.map((a) => a.rule), anomalies.map((a) => new Date(a.eventTime).toISOString())],
  });
  return rows.map(toPending);
}

type PendingRow = {
  id: string; customer_id: string; rule: string; severity: Severity; event_time: Date; episode_start: Date | null;
  episode_end: Date | null; detected_at: Date; detail: Record<string, unknown>;
};

function toPending(r: PendingRow): PendingAlert {
  return {
    id: r.id, customerId: r.customer_id, rule: r.rule, severity: r.severity, eventTime: r.event_time.getTime(),
    episodeStart: ms(r.episode_start), episodeEnd: ms(r.episode_end), detectedAt: r.detected_at.getTime(), detail: r.detail,
  };
}

/**
 * Anomalies stored at least `olderThanMs` ago whose alert was never decided (index
 * anomalies_alert_undecided). Two workers may both find one after a crash: at least once.
 */
export async function staleAlerts(pool: pg.Pool, olderThanMs: number, limit = 100): Promise<PendingAlert[]> {
  const { rows } = await pool.query<PendingRow>({ name: 'heartbeat-stale-alerts', text: STALE, values: [olderThanMs, limit] });
  return rows.map(toPending);
}

/** Records the decision for each anomaly: published, or suppressed by the cool-down. */
export async function markAlerted(pool: pg.Pool, published: readonly string[], suppressed: readonly string[]): Promise<void> {
  if (published.length + suppressed.length === 0) return;
  await pool.query({
    name: 'heartbeat-mark-alerted',
    text: `UPDATE anomalies SET alerted_at = now(), alert_suppressed = (id = ANY($2::bigint[])) WHERE id = ANY($1::bigint[]) OR id = ANY($2::bigint[])`,
    values: [published, suppressed],
  });
}
