// Daily partitions of `heartbeats`: created ahead so readings never land in the default partition,
// and dropped past retention (with their rows of the per-minute rollup). The orchestrator calls maintainPartitions at start and then daily.
import type pg from 'pg';

/** How far ahead to create and how long to keep. */
export interface PartitionPolicy {
  /** Days after today (UTC) that get a partition now; yesterday and today always do. */
  daysAhead: number;
  /** Partitions of days older than this many days before today are dropped; 0 keeps everything. */
  retentionDays: number;
}

/** What one maintenance run did. */
export interface PartitionReport {
  /** Partitions created, e.g. heartbeats_p20250101. */
  created: string[];
  /** Partitions dropped past retention. */
  dropped: string[];
}

/**
 * Creates the daily partitions from yesterday (late readings) to today + daysAhead, and drops
 * those older than retentionDays. Safe to run from several processes at once.
 */
export async function maintainPartitions(pool: pg.Pool, policy: PartitionPolicy): Promise<PartitionReport> {
  if (!Number.isInteger(policy.daysAhead) || policy.daysAhead < 0) throw new RangeError(`daysAhead must be a whole number >= 0, got ${policy.daysAhead}`);
  if (!Number.isInteger(policy.retentionDays) || policy.retentionDays < 0) throw new RangeError(`retentionDays must be a whole number >= 0, got ${policy.retentionDays}`);
  // The day is taken from the server's clock in UTC, the time zone the partition bounds use.
  const created = await pool.query<{ name: string }>(
    `SELECT name FROM heartbeat_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, $1::int + 2) AS name`,
    [policy.daysAhead],
  );
  let dropped: string[] = [];
  if (policy.retentionDays > 0) {
    const result = await pool.query<{ name: string }>(
      `SELECT name FROM heartbeat_drop_partitions((now() AT TIME ZONE 'UTC')::date - $1::int) AS name`,
      [policy.retentionDays],
    );
    dropped = result.rows.map((r) => r.name);
    // The dashboard's per-minute rollup (sql/007) follows the readings it summarises.
    await pool.query(`DELETE FROM heartbeat_minutes WHERE minute < ((now() AT TIME ZONE 'UTC')::date - $1::int)::timestamp AT TIME ZONE 'UTC'`, [policy.retentionDays]);
  }
  return { created: created.rows.map((r) => r.name), dropped };
}
