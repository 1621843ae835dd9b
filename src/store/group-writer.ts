// Writes one processed batch (readings, anomalies, rejects) in ONE statement: INSERTs from
// unnest() arrays (plus the dashboard's per-minute rollup of the inserted readings) in data-modifying CTEs, so the batch is atomic without BEGIN/COMMIT round trips
// and the parameter count stays at 29 whatever the batch size (no 65,535-parameter limit).
// Every insert is idempotent, so a batch redelivered after a crash or rebalance adds nothing.
import type pg from 'pg';
import type { ChunkResult } from '../core/types.js';
import { StoreWriteError } from '../errors.js';
import { classifyWriteError } from './write-errors.js';

const SQL = `
WITH readings AS (
  INSERT INTO heartbeats (customer_id, event_time, heart_rate, level, late, kafka_partition, kafka_offset)
  -- Event times travel as epoch ms: cheaper than parsing text. interval * number multiplies in
  -- double precision, so t * 1 ms is off by microseconds past 2^53 us (the year 2255); whole
  -- seconds and the remaining ms each stay below 2^53 us: exact up to 9999-12-31.
  SELECT c, timestamptz 'epoch' + (t / 1000) * interval '1 second' + (t % 1000) * interval '1 millisecond', hr, lvl, late, p, o
  FROM unnest($1::text[], $2::bigint[], $3::smallint[], $4::text[], $5::boolean[], $6::int[], $7::bigint[]) AS r(c, t, hr, lvl, late, p, o)
  ON CONFLICT DO NOTHING
  RETURNING event_time, level, heart_rate, kafka_partition
), rollup AS (
  -- The dashboard's per-minute rollup (sql/007), counting only rows this statement inserted. Its
  -- rows are per Kafka partition (sql/008), so writers of different partitions never share one.
  -- Sorted, so a batch spanning partitions still locks rows in one order (no deadlock).
  -- The usual case, every row new: the groups summed by the worker ($23-$28). A redelivery (some
  -- or all rows there already): the groups of the rows actually inserted, from RETURNING. Grouping
  -- the RETURNING rows of every batch in SQL (date_trunc per row) cost PostgreSQL much of its CPU
  -- per reading (BENCHMARKS.md); the second branch runs only when the first does not.
  INSERT INTO heartbeat_minutes AS m (minute, level, bpm_bucket, kafka_partition, readings, bpm_sum)
  SELECT * FROM (
    SELECT timestamptz 'epoch' + (g.t / 1000) * interval '1 second', g.lvl, g.b, g.p, g.n, g.s
    FROM unnest($23::bigint[], $24::text[], $25::smallint[], $26::int[], $27::bigint[], $28::bigint[]) AS g(t, lvl, b, p, n, s)
    WHERE (SELECT count(*) FROM readings) = $29
    UNION ALL
    SELECT date_trunc('minute', event_time), coalesce(level, 'unclassified'), (heart_rate / 10) * 10, kafka_partition, count(*), sum(heart_rate)
    FROM readings WHERE (SELECT count(*) FROM readings) <> $29 GROUP BY 1, 2, 3, 4
  ) AS groups(minute, level, bpm_bucket, kafka_partition, readings, bpm_sum)
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (minute, level, bpm_bucket, kafka_partition) DO UPDATE
    SET readings = m.readings + EXCLUDED.readings, bpm_sum = m.bpm_sum + EXCLUDED.bpm_sum
), found AS (
  -- An episode is reported when confirmed and again when it ends: the second report completes the row.
  -- Only that completion updates: a redelivered report (either one) changes and counts nothing.
  INSERT INTO anomalies AS a (customer_id, event_time, rule, severity, detail, episode_start, episode_end)
  SELECT * FROM unnest($8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::jsonb[], $13::timestamptz[], $14::timestamptz[])
  ON CONFLICT (customer_id, rule, event_time) DO UPDATE
    SET episode_end = EXCLUDED.episode_end,
        severity = EXCLUDED.severity,
        detail = a.detail || EXCLUDED.detail
    WHERE a.episode_end IS NULL AND EXCLUDED.episode_end IS NOT NULL
  -- xmax is 0 on a row this statement inserted and set on one it updated: only new rows count.
  RETURNING rule, (xmax = 0) AS inserted
), refused AS (
  INSERT INTO rejected_readings (raw, reason, detail, validator, topic, kafka_partition, kafka_offset, received_at)
  SELECT * FROM unnest($15::bytea[], $16::text[], $17::text[], $18::text[], $19::text[], $20::int[], $21::bigint[], $22::timestamptz[])
  ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM readings)::int AS readings,
       (SELECT count(*) FROM found WHERE inserted)::int AS anomalies,
       (SELECT coalesce(json_object_agg(rule, n), '{}'::json)
          FROM (SELECT rule, count(*)::int AS n FROM found WHERE inserted GROUP BY rule) per_rule) AS "anomaliesByRule",
       (SELECT count(*) FROM refused)::int AS rejects`;

/**
 * Rows newly written: duplicates of earlier deliveries are not counted, nor is the report that
 * completes an episode stored earlier (it updates that row).
 */
export interface WriteCounts {
  readings: number;
  anomalies: number;
  /** New anomaly rows by rule. */
  anomaliesByRule: Record<string, number>;
  rejects: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
// PostgreSQL text cannot hold NUL, and a reject's detail may quote the input (V8's JSON.parse
// messages do): one NUL would fail the whole batch forever, so it becomes U+FFFD.
const pgText = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s);
const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : iso(ms));

/**
 * An array literal of numbers, digit strings or booleans, which need no quoting: built with one
 * join instead of letting pg escape element by element (per reading, this showed in profiles).
 */
const plainArray = (values: ReadonlyArray<number | string | boolean>) => `{${values.join(',')}}`;

const QUOTE_OR_BACKSLASH = /["\\]/;

/**
 * A text[] literal of a per-reading column (customer ids, levels). pg builds one by appending
 * each element, escaped, to a growing string: a large share of the bytes a worker thread
 * allocated in a drain (sampling heap profile), which the garbage collector then had to clear.
 * When no element is NULL or holds a quote or backslash (the usual case), one join makes the
 * same literal.
 */
export function textArray(values: ReadonlyArray<string | null>): string {
  for (const v of values) {
    if (v === null || QUOTE_OR_BACKSLASH.test(v)) return escapedTextArray(values);
  }
  return values.length === 0 ? '{}' : `{"${values.join('","')}"}`;
}

function escapedTextArray(values: ReadonlyArray<string | null>): string {
  const elements = values.map((v) => (v === null ? 'NULL' : `"${v.replace(/["\\]/g, '\\$&')}"`));
  return `{${elements.join(',')}}`;
}

const MINUTE_MS = 60_000;

/**
 * The batch's readings summed per minute, level, 10-bpm bucket and partition: the rollup rows
 * they add when every one of them is new (the same groups the SQL fallback makes).
 */
export function rollupGroups(rows: ChunkResult['rows']): { minute: number[]; level: string[]; bucket: number[]; partition: number[]; readings: number[]; bpmSum: number[] } {
  // Grouped by minute, then partition, then a number made of the level and bucket: a string key
  // per reading showed in a drain's heap profile. A batch comes from one partition
  // (or a few) and spans a minute or two, so the outer maps stay tiny.
  type Group = { level: string; bucket: number; readings: number; bpmSum: number };
  const groups = new Map<number, Map<number, Map<number, Group>>>();
  const levelIds = new Map<string, number>();
  for (const r of rows) {
    // Whole minutes of epoch time: date_trunc('minute') in any zone whose offset is whole minutes.
    const minute = Math.floor(r.eventTime / MINUTE_MS) * MINUTE_MS;
    const level = r.level ?? 'unclassified';
    const bucket = Math.floor(r.heartRate / 10) * 10;
    let levelId = levelIds.get(level);
    if (levelId === undefined) levelIds.set(level, (levelId = levelIds.size));
    // A smallint bucket shifted to 0..65535 below the level: one exact number per (level, bucket).
    const key = levelId * 65_536 + bucket + 32_768;
    let byPartition = groups.get(minute);
    if (byPartition === undefined) groups.set(minute, (byPartition = new Map()));
    let byKey = byPartition.get(r.partition);
    if (byKey === undefined) byPartition.set(r.partition, (byKey = new Map()));
    const g = byKey.get(key);
    if (g === undefined) byKey.set(key, { level, bucket, readings: 1, bpmSum: r.heartRate });
    else { g.readings += 1; g.bpmSum += r.heartRate; }
  }
  const out = { minute: [] as number[], level: [] as string[], bucket: [] as number[], partition: [] as number[], readings: [] as number[], bpmSum: [] as number[] };
  for (const [minute, byPartition] of groups) {
    for (const [partition, byKey] of byPartition) {
      for (const g of byKey.values()) {
        out.minute.push(minute); out.level.push(g.level); out.bucket.push(g.bucket);
        out.partition.push(partition); out.readings.push(g.readings); out.bpmSum.push(g.bpmSum);
      }
    }
  }
  return out;
}

/** Builds the 29 parameters of a batch (column-wise arrays, one per column, and the row count). */
export function batchParameters(batch: ChunkResult): unknown[] {
  const { rows, anomalies, rejects } = batch;
  const rollup = rollupGroups(rows);
  return [
    textArray(rows.map((r) => r.customerId)), plainArray(rows.map((r) => r.eventTime)), plainArray(rows.map((r) => r.heartRate)),
    textArray(rows.map((r) => r.level)), plainArray(rows.map((r) => r.late)), plainArray(rows.map((r) => r.partition)), plainArray(rows.map((r) => r.offset)),
    anomalies.map((a) => a.customerId), anomalies.map((a) => iso(a.eventTime)), anomalies.map((a) => a.rule),
    anomalies.map((a) => a.severity), anomalies.map((a) => JSON.stringify(a.detail)),
    anomalies.map((a) => isoOrNull(a.episodeStart)), anomalies.map((a) => isoOrNull(a.episodeEnd)),
    rejects.map((r) => r.raw), rejects.map((r) => pgText(r.reason)), rejects.map((r) => pgText(r.detail)), rejects.map((r) => pgText(r.validator)),
    rejects.map((r) => r.topic), rejects.map((r) => r.partition), rejects.map((r) => r.offset), rejects.map((r) => iso(r.receivedAt)),
    plainArray(rollup.minute), textArray(rollup.level), plainArray(rollup.bucket), plainArray(rollup.partition), plainArray(rollup.readings), plainArray(rollup.bpmSum),
    rows.length,
  ];
}

/**
 * Writes the batch atomically; resolves with what was new. Throws a StoreWriteError, classified
 * (write-errors.ts): retriable, or the fault of some of the rows (see isolating-writer.ts).
 */
export async function writeGroup(pool: pg.Pool, batch: ChunkResult): Promise<WriteCounts> {
  if (batch.rows.length + batch.anomalies.length + batch.rejects.length === 0) return { readings: 0, anomalies: 0, anomaliesByRule: {}, rejects: 0 };
  let values: unknown[];
  try {
    values = batchParameters(batch);
  } catch (error) {
    // A value no statement can carry (an anomaly's detail that JSON cannot encode, a date past
    // year 275760): the rows' fault, and a retry would fail the same way.
    throw new StoreWriteError(undefined, `a value of the batch cannot be sent to PostgreSQL: ${(error as Error).message}`, { cause: error, retriable: false });
  }
  try {
    const result = await pool.query<WriteCounts>({ name: 'heartbeat-write-batch', text: SQL, values });
    return result.rows[0]!;
  } catch (error) {
    throw classifyWriteError(error);
  }
}
