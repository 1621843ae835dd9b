// writeGroup against a real migrated database: every column lands as given, redelivery adds
// nothing, an episode's end completes its row, big batches fit one call, and a bad batch stores nothing.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly, ChunkResult, Reject, ReadingRow } from '../src/core/types.js';
import { writeGroup } from '../src/store/group-writer.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { count } from './support/pipeline.js';

const T = Date.parse('2026-11-23T07:40:00.123Z');
const empty = (): ChunkResult => ({ rows: [], anomalies: [], rejects: [] });
const row = (customerId: string, eventTime: number, extra: Partial<ReadingRow> = {}): ReadingRow =>
  ({ customerId, eventTime, heartRate: 72, level: 'normal', late: false, partition: 0, offset: '0', ...extra });
const reject = (offset: string, raw: Buffer, extra: Partial<Reject> = {}): Reject =>
  ({ raw, reason: 'invalid_json', detail: 'not JSON', validator: 'parse', topic: 'readings', partition: 1, offset, receivedAt: T, ...extra });
// Microseconds too: a value stored as given has none.
const UTC_US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const us = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

describe('writeGroup', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url, 2);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('stores readings, anomalies and rejects with every column as given', async () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x0a, 0x00, 0xc3]);
    const batch: ChunkResult = {
      rows: [
        row('COL-1', T, { heartRate: 45, level: 'low', late: true, partition: 3, offset: '9007199254740993' }),
        row('COL-2', T + 1, { heartRate: 250, level: 'critical_high', partition: 0, offset: '0' }),
        row('COL-3', T + 2, { heartRate: 20, level: null, partition: 11, offset: '42' }),
      ],
      anomalies: [
        { customerId: 'COL-1', eventTime: T, rule: 'bradycardia', severity: 'warning', detail: { messageId: 'slow', message: 'slow: 45 bpm', bpm: 45 } },
        { customerId: 'COL-2', eventTime: T - 60_000, rule: 'tachycardia', severity: 'critical', detail: { messageId: 'x' }, episodeStart: T - 60_000, episodeEnd: T + 1 },
      ],
      rejects: [
        reject('7', binary, { reason: 'invalid_utf8', detail: 'the message value is not valid UTF-8 text' }),
        reject('8', Buffer.alloc(0), { reason: 'empty_message', detail: 'the message value is null (a tombstone)' }),
        reject('9', Buffer.from('{"heart_rate":300}'), { reason: 'heart_rate_out_of_range', detail: 'heart_rate 300 is outside 20-250 bpm', validator: 'range', partition: 2, receivedAt: T + 5 }),
        // V8's JSON.parse message quotes the input, NUL included: PostgreSQL text cannot hold NUL.
        reject('10', Buffer.from('{"a":\u0000}'), { detail: 'Unexpected token \'\u0000\', "{"a":\u0000}" is not valid JSON' }),
      ],
    };
    expect(await writeGroup(pool, batch)).toEqual({ readings: 3, anomalies: 2, anomaliesByRule: { bradycardia: 1, tachycardia: 1 }, rejects: 4 });

    const readings = await pool.query(`SELECT customer_id, to_char(event_time AT TIME ZONE 'UTC', ${UTC_US}) AS t, heart_rate, level, late, kafka_partition, kafka_offset::text
      FROM heartbeats ORDER BY customer_id`);
    expect(readings.rows).toEqual([
      { customer_id: 'COL-1', t: us(T), heart_rate: 45, level: 'low', late: true, kafka_partition: 3, kafka_offset: '9007199254740993' },
      { customer_id: 'COL-2', t: us(T + 1), heart_rate: 250, level: 'critical_high', late: false, kafka_partition: 0, kafka_offset: '0' },
      { customer_id: 'COL-3', t: us(T + 2), heart_rate: 20, level: null, late: false, kafka_partition: 11, kafka_offset: '42' },
    ]);

    const anomalies = await pool.query(`SELECT customer_id, to_char(event_time AT TIME ZONE 'UTC', ${UTC_US}) AS t, rule, severity, detail,
      to_char(episode_start AT TIME ZONE 'UTC', ${UTC_US}) AS s, to_char(episode_end AT TIME ZONE 'UTC', ${UTC_US}) AS e FROM anomalies ORDER BY customer_id`);
    expect(anomalies.rows).toEqual([
      { customer_id: 'COL-1', t: us(T), rule: 'bradycardia', severity: 'warning', detail: { messageId: 'slow', message: 'slow: 45 bpm', bpm: 45 }, s: null, e: null },
      { customer_id: 'COL-2', t: us(T - 60_000), rule: 'tachycardia', severity: 'critical', detail: { messageId: 'x' }, s: us(T - 60_000), e: us(T + 1) },
    ]);

    const rejects = await pool.query<{ raw: Buffer; reason: string; detail: string; validator: string; topic: string; kafka_partition: number; kafka_offset: string; r: string }>(
      `SELECT raw, reason, detail, validator, topic, kafka_partition, kafka_offset::text, to_char(received_at AT TIME ZONE 'UTC', ${UTC_US}) AS r
       FROM rejected_readings ORDER BY id`);
    expect(rejects.rows.map((r) => r.raw.toString('hex'))).toEqual(batch.rejects.map((r) => r.raw.toString('hex')));
    expect(rejects.rows.map(({ raw: _raw, detail: _detail, ...rest }) => rest)).toEqual([
      { reason: 'invalid_utf8', validator: 'parse', topic: 'readings', kafka_partition: 1, kafka_offset: '7', r: us(T) },
      { reason: 'empty_message', validator: 'parse', topic: 'readings', kafka_partition: 1, kafka_offset: '8', r: us(T) },
      { reason: 'heart_rate_out_of_range', validator: 'range', topic: 'readings', kafka_partition: 2, kafka_offset: '9', r: us(T + 5) },
      { reason: 'invalid_json', validator: 'parse', topic: 'readings', kafka_partition: 1, kafka_offset: '10', r: us(T) },
    ]);
    expect(rejects.rows.slice(0, 3).map((r) => r.detail)).toEqual(batch.rejects.slice(0, 3).map((r) => r.detail));
    // The NUL is replaced, the rest of the explanation kept.
    expect(rejects.rows[3]!.detail).toBe('Unexpected token \'\uFFFD\', "{"a":\uFFFD}" is not valid JSON');

    // Redelivery of the same batch (crash before the offset commit) adds nothing, and says so.
    expect(await writeGroup(pool, batch)).toEqual({ readings: 0, anomalies: 0, anomaliesByRule: {}, rejects: 0 });
    expect(await count(pool, 'SELECT count(*) FROM heartbeats')).toBe(3);
    expect(await count(pool, 'SELECT count(*) FROM anomalies')).toBe(2);
    expect(await count(pool, 'SELECT count(*) FROM rejected_readings')).toBe(4);
  });

  it('stores the first and last event times the input accepts to the millisecond (1970-01-01, 9999-12-31)', async () => {
    const first = Date.parse('1970-01-01T00:00:00.000Z'), last = Date.parse('9999-12-31T23:59:59.999Z'), y2300 = Date.parse('2300-06-15T12:34:56.789Z');
    expect(await writeGroup(pool, {
      ...empty(),
      rows: [row('EDGE-FIRST', first), row('EDGE-LAST', last), row('EDGE-2300', y2300)],
      anomalies: [{ customerId: 'EDGE-LAST', eventTime: last, rule: 'bradycardia', severity: 'info', detail: {} }],
      rejects: [reject('11', Buffer.from('x'), { receivedAt: last })],
    })).toEqual({ readings: 3, anomalies: 1, anomaliesByRule: { bradycardia: 1 }, rejects: 1 });
    const { rows } = await pool.query(`SELECT customer_id, to_char(event_time AT TIME ZONE 'UTC', ${UTC_US}) AS t FROM heartbeats WHERE customer_id LIKE 'EDGE-%' ORDER BY customer_id`);
    expect(rows).toEqual([
      { customer_id: 'EDGE-2300', t: us(y2300) }, { customer_id: 'EDGE-FIRST', t: us(first) }, { customer_id: 'EDGE-LAST', t: us(last) },
    ]);
    const stored = await pool.query(`SELECT to_char(event_time AT TIME ZONE 'UTC', ${UTC_US}) AS t FROM anomalies WHERE customer_id = 'EDGE-LAST'
      UNION ALL SELECT to_char(received_at AT TIME ZONE 'UTC', ${UTC_US}) FROM rejected_readings WHERE kafka_offset = 11`);
    expect(stored.rows.map((r) => r.t)).toEqual([us(last), us(last)]);
  });

  it('stores customer ids that mean something in an array literal exactly as given', async () => {
    // Any printable text is a valid customer id; the writer sends them in one text[] literal.
    const QUOTED = Date.parse('2026-11-20T05:05:00Z'); // a minute of its own in the rollup
    const escaped = ['Q"uote', 'back\\slash', '\\"'];
    const plain = ['a,b', '{brace}', 'NULL', ' spaced ', 'ünï \u{1F493}', "it's", ''.padEnd(64, 'x')];
    const ids = [...escaped, ...plain];
    // Ids with a quote or backslash take the escaping path; the rest are joined as they are, here
    // with the NULL level of a disabled level plugin (which the level column escapes).
    for (const [batch, level] of [[escaped, 'normal'], [plain, null]] as const) {
      const rows = batch.map((id, j) => row(id, QUOTED + j, { level, offset: String(j) }));
      expect(await writeGroup(pool, { ...empty(), rows })).toMatchObject({ readings: batch.length });
    }
    const { rows } = await pool.query<{ customer_id: string; level: string | null }>(
      'SELECT customer_id, level FROM heartbeats WHERE customer_id = ANY($1) ORDER BY event_time, customer_id', [ids]);
    expect(rows.map((r) => r.customer_id).sort()).toEqual([...ids].sort());
    expect(rows.filter((r) => r.level === null).map((r) => r.customer_id).sort()).toEqual([...plain].sort());
    // The rollup counted them under their levels.
    const rollup = await pool.query<{ level: string; n: string }>(
      `SELECT level, sum(readings)::text AS n FROM heartbeat_minutes WHERE minute = $1 GROUP BY level ORDER BY level`, [new Date(QUOTED)]);
    expect(rollup.rows).toEqual([{ level: 'normal', n: '3' }, { level: 'unclassified', n: '7' }]);
  });

  it('completes an episode reported first as ongoing and later with its end, in one row', async () => {
    const start = T + 3_600_000;
    const ongoing: Anomaly = { customerId: 'EP-1', eventTime: start, rule: 'bradycardia', severity: 'warning', detail: { messageId: 'started', minutes: 10 }, episodeStart: start };
    expect(await writeGroup(pool, { ...empty(), anomalies: [ongoing] })).toMatchObject({ anomalies: 1 });
    const ended: Anomaly = { ...ongoing, severity: 'critical', detail: { messageId: 'ended', minutes: 25 }, episodeEnd: start + 25 * 60_000 };
    // The end completes that row: no new anomaly (so /metrics counts the episode once).
    expect(await writeGroup(pool, { ...empty(), anomalies: [ended] })).toMatchObject({ anomalies: 0, anomaliesByRule: {} });
    // Either report redelivered later (a rebalance replays an older chunk) changes nothing.
    expect(await writeGroup(pool, { ...empty(), anomalies: [ongoing] })).toMatchObject({ anomalies: 0 });
    expect(await writeGroup(pool, { ...empty(), anomalies: [ended] })).toMatchObject({ anomalies: 0 });
    const { rows } = await pool.query(`SELECT severity, detail, to_char(episode_start AT TIME ZONE 'UTC', ${UTC_US}) AS s,
      to_char(episode_end AT TIME ZONE 'UTC', ${UTC_US}) AS e FROM anomalies WHERE customer_id = 'EP-1'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({ severity: 'critical', detail: { messageId: 'ended', minutes: 25 }, s: us(start), e: us(start + 25 * 60_000) });
  });

  it('writes 20,000 readings, 5,000 anomalies and 2,000 rejects in one call', async () => {
    const base = T + 2 * 86_400_000;
    const batch: ChunkResult = {
      rows: Array.from({ length: 20_000 }, (_, i) => row(`BIG-${i % 500}`, base + i, { heartRate: 20 + (i % 231), partition: i % 12, offset: String(i) })),
      anomalies: Array.from({ length: 5000 }, (_, i): Anomaly => ({ customerId: `BIG-${i % 500}`, eventTime: base + i, rule: 'tachycardia', severity: 'warning', detail: { i } })),
      rejects: Array.from({ length: 2000 }, (_, i) => reject(String(i), Buffer.from([i & 0xff, 0xff]), { topic: 'big' })),
    };
    expect(await writeGroup(pool, batch)).toEqual({ readings: 20_000, anomalies: 5000, anomaliesByRule: { tachycardia: 5000 }, rejects: 2000 });
    expect(await count(pool, `SELECT count(*) FROM heartbeats WHERE customer_id LIKE 'BIG-%'`)).toBe(20_000);
    expect(await count(pool, `SELECT count(*) FROM rejected_readings WHERE topic = 'big'`)).toBe(2000);
  });

  it('stores nothing of a batch in which one row breaks a CHECK', async () => {
    const before = await Promise.all(['heartbeats', 'anomalies', 'rejected_readings'].map((t) => count(pool, `SELECT count(*) FROM ${t}`)));
    const batch: ChunkResult = {
      rows: [row('ATOM-1', T), row('ATOM-2', T, { heartRate: 300 })],
      anomalies: [{ customerId: 'ATOM-1', eventTime: T, rule: 'tachycardia', severity: 'warning', detail: {} }],
      rejects: [reject('1', Buffer.from('x'), { topic: 'atomic' })],
    };
    // check_violation: the rows' fault, so not retriable (the isolating writer then finds the row).
    await expect(writeGroup(pool, batch)).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED', sqlstate: '23514', retriable: false });
    const after = await Promise.all(['heartbeats', 'anomalies', 'rejected_readings'].map((t) => count(pool, `SELECT count(*) FROM ${t}`)));
    expect(after).toEqual(before);
  });

  it('keeps the rollup equal to the stored readings, through first deliveries and partial redeliveries', async () => {
    const base = Date.parse('2026-11-24T10:00:00Z');
    // Three minutes, several levels, buckets and partitions; an unclassified reading too.
    const rows = Array.from({ length: 300 }, (_, i) => row(`SUM-${i % 7}`, base + i * 600, {
      heartRate: 40 + ((i * 13) % 120), level: i % 50 === 0 ? null : (['low', 'normal', 'elevated'] as const)[i % 3], partition: i % 3, offset: String(i),
    }));
    const rollupOf = (where: string) => pool.query(`
      SELECT minute, level, bpm_bucket, kafka_partition, sum(readings)::int AS readings, sum(bpm_sum)::int AS bpm_sum FROM heartbeat_minutes
      WHERE minute >= $1 AND minute < $2 ${where} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, [new Date(base), new Date(base + 3_600_000)]);
    const expected = () => pool.query(`
      SELECT date_trunc('minute', event_time) AS minute, coalesce(level, 'unclassified') AS level, (heart_rate / 10) * 10 AS bpm_bucket,
             kafka_partition, count(*)::int AS readings, sum(heart_rate)::int AS bpm_sum
      FROM heartbeats WHERE customer_id LIKE 'SUM-%' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`);

    // First delivery of the first 200: every row new.
    expect(await writeGroup(pool, { ...empty(), rows: rows.slice(0, 200) })).toMatchObject({ readings: 200 });
    expect((await rollupOf('')).rows).toEqual((await expected()).rows);
    // A redelivery overlapping it (rows 150-299): only the 100 new ones may count.
    expect(await writeGroup(pool, { ...empty(), rows: rows.slice(150) })).toMatchObject({ readings: 100 });
    // A redelivery of rows all stored already: nothing changes.
    expect(await writeGroup(pool, { ...empty(), rows: rows.slice(0, 50) })).toMatchObject({ readings: 0 });
    const rollup = (await rollupOf('')).rows;
    expect(rollup).toEqual((await expected()).rows);
    expect(rollup.reduce((n, r: { readings: number }) => n + r.readings, 0)).toBe(300);
    expect(rollup.some((r: { level: string }) => r.level === 'unclassified')).toBe(true);
  });

  it('keeps the rollup per partition: a writer of one partition never waits on another partition\'s rollup rows', async () => {
    const minute = Date.parse('2026-11-23T09:15:00Z');
    await writeGroup(pool, { ...empty(), rows: [row('ROLL-0', minute + 1000, { heartRate: 71, partition: 0, offset: '1' })] });
    // Another transaction holds partition 0's row of that minute, level and bucket (as a writer of
    // partition 0 does until it commits).
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM heartbeat_minutes WHERE minute = $1 AND kafka_partition = 0 FOR UPDATE`, [new Date(minute)]);
      const write = writeGroup(pool, { ...empty(), rows: [row('ROLL-1', minute + 2000, { heartRate: 73, partition: 1, offset: '1' })] });
      const waited = await Promise.race([write.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5000))]);
      expect(waited, 'the partition 1 write waited for the lock on partition 0\'s rollup row').toBe(false);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const { rows } = await pool.query<{ readings: number; bpm_sum: number }>(
      `SELECT sum(readings)::int AS readings, sum(bpm_sum)::int AS bpm_sum FROM heartbeat_minutes WHERE minute = $1 AND level = 'normal' AND bpm_bucket = 70`, [new Date(minute)]);
    expect(rows).toEqual([{ readings: 2, bpm_sum: 144 }]);
  });
});
