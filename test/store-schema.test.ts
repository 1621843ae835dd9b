// The schema against the real PostgreSQL: CHECKs hold what validation guarantees (the numbers of
// src/core/input-policy.ts), redelivery does not duplicate, views answer, daily partitions are made
// ahead and dropped past retention.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM, MAX_CUSTOMER_ID_LENGTH } from '../src/core/input-policy.js';
import { notStorable } from '../src/core/table-limits.js';
import { LEVELS, SEVERITIES } from '../src/core/types.js';
import { writeGroup } from '../src/store/group-writer.js';
import { maintainPartitions } from '../src/store/partitions.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await openPool(db.url, 4);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** The batch insert the pipeline uses: one statement, arrays as parameters, duplicates skipped. */
async function insertReadings(rows: Array<[string, string, number, string]>): Promise<number> {
  const result = await pool.query(
    `INSERT INTO heartbeats (customer_id, event_time, heart_rate, level)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::smallint[], $4::text[])
     ON CONFLICT DO NOTHING`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
  );
  return result.rowCount ?? 0;
}

/** yyyymmdd of the server's UTC day plus `offset` days. */
async function day(offset: number): Promise<string> {
  const { rows } = await pool.query(`SELECT to_char((now() AT TIME ZONE 'UTC')::date + $1::int, 'YYYYMMDD') AS d`, [offset]);
  return rows[0].d as string;
}

async function partitionOf(customer: string): Promise<string[]> {
  const { rows } = await pool.query(`SELECT tableoid::regclass::text AS part FROM heartbeats WHERE customer_id = $1 ORDER BY event_time`, [customer]);
  return rows.map((r) => r.part as string);
}

describe('heartbeats', () => {
  it.each([
    ['heart rate below 20', ['c1', '2024-01-01T00:00:00Z', 19, 'normal']],
    ['heart rate above 250', ['c1', '2024-01-01T00:00:00Z', 251, 'normal']],
    ['an unknown level', ['c1', '2024-01-01T00:00:00Z', 70, 'weird']],
    ['an empty customer id', ['', '2024-01-01T00:00:00Z', 70, 'normal']],
    ['a customer id of 65 characters', ['x'.repeat(65), '2024-01-01T00:00:00Z', 70, 'normal']],
  ] as Array<[string, [string, string, number, string]]>)('refuses %s', async (_what, row) => {
    await expect(insertReadings([row])).rejects.toMatchObject({ code: '23514' });
  });

  it('keeps one row per (customer, event time) across a redelivered batch', async () => {
    const batch: Array<[string, string, number, string]> = [
      ['dup-1', '2024-02-01T10:00:00Z', 70, 'normal'],
      ['dup-1', '2024-02-01T10:00:01Z', 72, 'normal'],
      ['dup-1', '2024-02-01T10:00:00Z', 70, 'normal'],
    ];
    expect(await insertReadings(batch)).toBe(2);
    expect(await insertReadings(batch)).toBe(0);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM heartbeats WHERE customer_id = 'dup-1'`);
    expect(rows[0].n).toBe(2);
  });

  it('shows the latest reading of each customer in recent_heartbeats', async () => {
    await pool.query(`INSERT INTO heartbeats (customer_id, event_time, heart_rate, level) VALUES
      ('recent-a', now() - interval '2 minutes', 60, 'normal'),
      ('recent-a', now() - interval '1 minute', 130, 'high'),
      ('recent-b', now() - interval '30 seconds', 45, 'low')`);
    const { rows } = await pool.query(`SELECT customer_id, heart_rate, level FROM recent_heartbeats WHERE customer_id LIKE 'recent-%' ORDER BY customer_id`);
    expect(rows).toEqual([
      { customer_id: 'recent-a', heart_rate: 130, level: 'high' },
      { customer_id: 'recent-b', heart_rate: 45, level: 'low' },
    ]);
  });
});

describe('anomalies and rejects', () => {
  it('stores an anomaly once per (customer, rule, event time) and lists critical ones', async () => {
    const insert = `INSERT INTO anomalies (customer_id, event_time, rule, severity, detail) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`;
    await pool.query(insert, ['an-1', '2024-03-01T00:00:00Z', 'tachycardia', 'critical', { bpm: 190 }]);
    await pool.query(insert, ['an-1', '2024-03-01T00:00:00Z', 'tachycardia', 'critical', { bpm: 190 }]);
    await pool.query(insert, ['an-1', '2024-03-01T00:00:00Z', 'flatline', 'warning', {}]);
    const { rows } = await pool.query(`SELECT rule, detail FROM critical_anomalies WHERE customer_id = 'an-1'`);
    expect(rows).toEqual([{ rule: 'tachycardia', detail: { bpm: 190 } }]);
    await expect(pool.query(insert, ['an-2', '2024-03-01T00:00:00Z', 'x', 'fatal', {}])).rejects.toMatchObject({ code: '23514' });
  });

  it('keeps one reject per Kafka message, with its raw bytes and reason', async () => {
    const insert = `INSERT INTO rejected_readings (raw, reason, validator, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`;
    const raw = Buffer.from('{"customer_id":');
    await pool.query(insert, [raw, 'malformed_json', 'parse', 'readings-t', 3, 42]);
    await pool.query(insert, [raw, 'malformed_json', 'parse', 'readings-t', 3, 42]);
    const { rows } = await pool.query(`SELECT raw, reason FROM rejected_readings WHERE topic = 'readings-t'`);
    expect(rows).toEqual([{ raw, reason: 'malformed_json' }]);
  });
});

describe('partitions', () => {
  it('creates daily partitions from yesterday to days ahead, once, and routes readings into them', async () => {
    const report = await maintainPartitions(pool, { daysAhead: 3, retentionDays: 0 });
    const expected = await Promise.all([-1, 0, 1, 2, 3].map(async (d) => `heartbeats_p${await day(d)}`));
    expect(report).toEqual({ created: expected, dropped: [] });
    expect(await maintainPartitions(pool, { daysAhead: 3, retentionDays: 0 })).toEqual({ created: [], dropped: [] });
    await pool.query(`INSERT INTO heartbeats (customer_id, event_time, heart_rate, level) VALUES ('routed', now(), 70, 'normal')`);
    expect(await partitionOf('routed')).toEqual([`heartbeats_p${await day(0)}`]);
  });

  it('moves readings out of the default partition when their day gets a partition', async () => {
    await pool.query(`INSERT INTO heartbeats (customer_id, event_time, heart_rate, level)
      VALUES ('early', (now() AT TIME ZONE 'UTC')::date + 20 + time '08:00', 70, 'normal'),
             ('early', (now() AT TIME ZONE 'UTC')::date + 20 + time '09:00', 71, 'normal')`);
    expect(await partitionOf('early')).toEqual(['heartbeats_default', 'heartbeats_default']);
    const { rows } = await pool.query(`SELECT heartbeat_ensure_partitions((now() AT TIME ZONE 'UTC')::date + 20, 1) AS name`);
    expect(rows.map((r) => r.name)).toEqual([`heartbeats_p${await day(20)}`]);
    expect(await partitionOf('early')).toEqual([`heartbeats_p${await day(20)}`, `heartbeats_p${await day(20)}`]);
  });

  it('lets two maintainers create the same partitions at once: each made exactly once', async () => {
    const ensure = () => pool.query(`SELECT heartbeat_ensure_partitions((now() AT TIME ZONE 'UTC')::date + 50, 4) AS name`);
    const [a, b] = await Promise.all([ensure(), ensure()]);
    const names = [...a.rows, ...b.rows].map((r) => r.name as string).sort();
    expect(names).toEqual(await Promise.all([50, 51, 52, 53].map(async (d) => `heartbeats_p${await day(d)}`)));
  });

  it('drops the partitions and default rows older than the retention', async () => {
    await pool.query(`SELECT heartbeat_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 40, 2)`);
    await pool.query(`INSERT INTO heartbeats (customer_id, event_time, heart_rate, level) VALUES
      ('old', now() - interval '40 days', 70, 'normal'),
      ('old', now() - interval '60 days', 70, 'normal'),
      ('kept', now(), 70, 'normal')`);
    const report = await maintainPartitions(pool, { daysAhead: 0, retentionDays: 30 });
    expect(report.dropped).toEqual([`heartbeats_p${await day(-40)}`, `heartbeats_p${await day(-39)}`]);
    expect(await partitionOf('old')).toEqual([]);
    expect(await partitionOf('kept')).toEqual([`heartbeats_p${await day(0)}`]);
  });

  it('drops the per-minute rollup rows older than the retention with the readings', async () => {
    await pool.query(`INSERT INTO heartbeat_minutes (minute, level, bpm_bucket, readings, bpm_sum) VALUES
      (date_trunc('minute', now() - interval '40 days'), 'normal', 70, 1, 70), (date_trunc('minute', now()), 'normal', 70, 1, 70)`);
    await maintainPartitions(pool, { daysAhead: 0, retentionDays: 30 });
    const { rows } = await pool.query<{ old: boolean }>(`SELECT minute < now() - interval '30 days' AS old FROM heartbeat_minutes`);
    expect(rows).toEqual([{ old: false }]);
  });
});

describe('the core\'s copy of the table limits (src/core/table-limits.ts)', () => {
  it('accepts exactly the heart rates the migrated heartbeats table stores, through the batch writer', async () => {
    const values = [HEART_RATE_MIN_BPM - 1, HEART_RATE_MIN_BPM, HEART_RATE_MAX_BPM, HEART_RATE_MAX_BPM + 1, 75.5, -32768, 32767];
    const verdicts: Array<[number, boolean, boolean]> = [];
    for (const [i, heartRate] of values.entries()) {
      const row = { customerId: `LIMIT-${i}`, eventTime: Date.now(), heartRate, level: null, late: false, partition: 0, offset: String(i) };
      const stored = await writeGroup(pool, { rows: [row], anomalies: [], rejects: [] }).then(() => true, () => false);
      verdicts.push([heartRate, notStorable(heartRate) === undefined, stored]);
    }
    // [value, the core stores it, the table stored it]: a migration that moves the CHECK must move the constants too.
    expect(verdicts.filter(([, core, table]) => core !== table)).toEqual([]);
    expect(verdicts.filter(([, core]) => core).map(([v]) => v)).toEqual([HEART_RATE_MIN_BPM, HEART_RATE_MAX_BPM]);
  });
});

describe('the CHECK constraints of the migrated tables agree with src/core/input-policy.ts', () => {
  /** [table, constraint definition] of every CHECK on the three tables the pipeline writes. */
  async function checks(): Promise<Array<{ table: string; def: string }>> {
    const { rows } = await pool.query<{ table: string; def: string }>(
      `SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE contype = 'c' AND conrelid IN ('heartbeats'::regclass, 'anomalies'::regclass)`,
    );
    return rows;
  }

  /** The [low, high] of a CHECK PostgreSQL states as ((expr >= low) AND (expr <= high)), per table. */
  async function boundsOf(expr: string): Promise<Record<string, [number, number]>> {
    const escaped = expr.replace(/[()]/g, '\\$&');
    const pattern = new RegExp(`^CHECK \\(\\(\\(${escaped} >= (-?\\d+)\\) AND \\(${escaped} <= (-?\\d+)\\)\\)\\)$`);
    const found: Record<string, [number, number]> = {};
    for (const { table, def } of await checks()) {
      const m = pattern.exec(def);
      if (m !== null) found[table] = [Number(m[1]), Number(m[2])];
    }
    return found;
  }

  it('heart rate: the heartbeats table stores HEART_RATE_MIN_BPM..HEART_RATE_MAX_BPM', async () => {
    expect(await boundsOf('heart_rate')).toEqual({ heartbeats: [HEART_RATE_MIN_BPM, HEART_RATE_MAX_BPM] });
  });

  it('customer id: 1..MAX_CUSTOMER_ID_LENGTH characters in every table that keeps one', async () => {
    expect(await boundsOf('char_length(customer_id)')).toEqual({
      heartbeats: [1, MAX_CUSTOMER_ID_LENGTH], anomalies: [1, MAX_CUSTOMER_ID_LENGTH],
    });
  });

  it('levels and severities: the lists the core uses', async () => {
    const listed = (column: string) => async () => {
      const def = (await checks()).find((c) => c.def.startsWith(`CHECK ((${column} = ANY`))?.def ?? '';
      return [...def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]);
    };
    expect(await listed('level')()).toEqual([...LEVELS]);
    expect(await listed('severity')()).toEqual([...SEVERITIES]);
  });
});
