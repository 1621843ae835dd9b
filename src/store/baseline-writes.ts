// The benchmark's two baseline ways of writing readings (src/bench), into the app's own
// `heartbeats` table: COPY of a whole batch (the raw limit) and one INSERT, committed on its
// own, per reading (the naive design of earlier versions). The app never uses this file.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A reading as the baselines store it (no level, no rules). */
export interface BaselineRow {
  customerId: string;
  /** Event time as sent: RFC 3339 text or epoch ms. */
  eventTime: string | number;
  heartRate: number;
  partition: number;
  offset: string;
}

const COLUMNS = 'customer_id, event_time, heart_rate, kafka_partition, kafka_offset';
// COPY's text format: backslash, tab and line breaks inside a value must be escaped.
const escapeText = (s: string) => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s);
const timeText = (t: string | number) => (typeof t === 'number' ? new Date(t).toISOString() : escapeText(t));

/** Writes the rows with one COPY (one transaction); throws on any error. */
export async function copyRows(pool: pg.Pool, rows: readonly BaselineRow[]): Promise<void> {
  if (rows.length === 0) return;
  let text = '';
  for (const r of rows) text += `${escapeText(r.customerId)}\t${timeText(r.eventTime)}\t${r.heartRate}\t${r.partition}\t${r.offset}\n`;
  const client = await pool.connect();
  try {
    await pipeline(Readable.from([text]), client.query(copyFrom(`COPY heartbeats (${COLUMNS}) FROM STDIN`)));
  } finally {
    client.release();
  }
}

/** Writes one row with one INSERT in its own transaction (autocommit). */
export async function insertRow(client: pg.Pool | pg.PoolClient, row: BaselineRow): Promise<void> {
  const eventTime = typeof row.eventTime === 'number' ? new Date(row.eventTime).toISOString() : row.eventTime;
  await client.query(`INSERT INTO heartbeats (${COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [row.customerId, eventTime, row.heartRate, row.partition, row.offset]);
}
