// The benchmark's SQL (src/bench): its throw-away databases on the server, the counts it checks
// against what it published, the snapshot polls that date a row's commit, and the latency
// percentiles. Kept here because src/store/ holds all of the project's SQL; the app never runs it.
import type pg from 'pg';

/** Rows in a database's heartbeats and rejected_readings tables. */
export async function storedCounts(pool: pg.Pool): Promise<{ stored: number; rejected: number }> {
  const { rows } = await pool.query<{ stored: number; rejected: number }>(
    'SELECT (SELECT count(*) FROM heartbeats)::int AS stored, (SELECT count(*) FROM rejected_readings)::int AS rejected');
  return rows[0]!;
}

/**
 * Creates database `name` (optionally a copy of `template`) through `admin`, a pool on the
 * maintenance database. The names are the bench's own, made of [a-z0-9_]: no quoting needed.
 */
export async function createDatabase(admin: pg.Pool, name: string, template?: string): Promise<void> {
  await admin.query(template === undefined ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
}

/** Drops database `name`, disconnecting whoever is still connected to it. */
export async function dropDatabase(admin: pg.Pool, name: string): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Pids of the server backends connected to `database`, except the asking one. */
export async function backendPids(admin: pg.Pool, database: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return rows.map((r) => r.pid);
}

/** `SHOW server_version`. */
export async function serverVersion(admin: pg.Pool): Promise<string> {
  const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
  return rows[0]!.server_version;
}

/** The server's current snapshot as pg_snapshot text (`xmin:xmax:xip,...`); reads no table. */
export async function currentSnapshot(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
  return rows[0]!.s;
}

/** Each transaction that stored rows in heartbeats (32-bit xmin, as text). */
export async function heartbeatTransactions(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ xid: string }>('SELECT DISTINCT xmin::text AS xid FROM heartbeats');
  return rows.map((r) => r.xid);
}

/** p50, p95, p99 and max of a latency, in ms. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A transaction and when it was first seen committed. */
export interface TransactionCommit {
  xid: string;
  at: Date;
}

/**
 * Latency percentiles of the readings with an event time from `from` on, computed in PostgreSQL:
 * from event time to the commit of the row's transaction (`commits`), and to `ingested_at`
 * (now() of the writing statement: when the write started).
 */
export async function latencyPercentiles(pool: pg.Pool, from: Date, commits: readonly TransactionCommit[]): Promise<{ measured: number; committed: Percentiles; written: Percentiles }> {
  const pct = (expr: string) => `json_build_object('p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expr}), 'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY ${expr}), 'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY ${expr}), 'max', max(${expr}))`;
  const ms = (to: string) => `(extract(epoch FROM ${to} - h.event_time) * 1000)`;
  const { rows } = await pool.query<{ measured: number; committed: Percentiles; written: Percentiles }>(`
    SELECT count(*)::int AS measured, ${pct(ms('c.at'))} AS committed, ${pct(ms('h.ingested_at'))} AS written
    FROM heartbeats h JOIN unnest($2::bigint[], $3::timestamptz[]) AS c(xid, at) ON c.xid = h.xmin::text::bigint
    WHERE h.event_time >= $1`,
  [from.toISOString(), commits.map((c) => c.xid), commits.map((c) => c.at.toISOString())]);
  return rows[0]!;
}
