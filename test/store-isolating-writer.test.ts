// writeIsolating against a real migrated database: rows the table refuses (a CHECK this test adds,
// a trigger raising a data error, an anomaly jsonb cannot hold) are found and set apart while the
// rest of the group is stored; an error that is not the rows' fault is thrown for a retry instead.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly, ChunkResult, ReadingRow, Reject } from '../src/core/types.js';
import { StoreWriteError } from '../src/errors.js';
import { writeIsolating, type RefuseReading } from '../src/store/isolating-writer.js';
import { storeRejectReason } from '../src/store/write-errors.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { count } from './support/pipeline.js';

const T = Date.now() - 60_000;
const row = (customerId: string, i: number, heartRate = 72): ReadingRow =>
  ({ customerId, eventTime: T + i, heartRate, level: 'normal', late: false, partition: 0, offset: String(i) });
const anomaly = (customerId: string, i: number, detail: Record<string, unknown> = {}): Anomaly =>
  ({ customerId, eventTime: T + i, rule: 'tachycardia', severity: 'warning', detail });
const reject = (offset: number): Reject =>
  ({ raw: Buffer.from('{'), reason: 'invalid_json', detail: 'not JSON', validator: 'parse', topic: 'iso', partition: 0, offset: String(offset), receivedAt: T });
// What the worker does with a refused reading: a reject carrying the message (here a stand-in).
const refuse: RefuseReading = (r, error) => ({
  raw: Buffer.from(JSON.stringify({ customer_id: r.customerId, heart_rate: r.heartRate })), reason: storeRejectReason(error),
  detail: error.message, validator: 'store', topic: 'iso', partition: r.partition, offset: r.offset, receivedAt: T,
});

describe('writeIsolating', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url, 2);
    // Rows the core accepts but this database refuses: a CHECK (23514) and a trigger raising 22023.
    await pool.query('ALTER TABLE heartbeats ADD CONSTRAINT test_refuses_77 CHECK (heart_rate <> 77)');
    await pool.query(`CREATE FUNCTION test_refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.customer_id = 'BAD-TRIGGER' THEN RAISE EXCEPTION 'refused by test trigger' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$`);
    await pool.query('CREATE TRIGGER test_refuse_bad BEFORE INSERT ON heartbeats FOR EACH ROW EXECUTE FUNCTION test_refuse_bad()');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('stores everything but the refused readings, which become rejects with their SQLSTATE; their own anomalies go with them', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(`ISO-${i % 7}`, i));
    rows[10] = row('ISO-BAD', 10, 77);
    rows[11] = row('ISO-BAD', 11, 77);
    rows[250] = row('BAD-TRIGGER', 250);
    const batch: ChunkResult = {
      rows,
      // One anomaly of a good reading, one of a refused reading, one of an episode that started in an earlier group.
      anomalies: [anomaly('ISO-3', 3), anomaly('ISO-BAD', 10), anomaly('ISO-EARLIER', -50_000)],
      rejects: [reject(1000), reject(1001)],
    };
    const out = await writeIsolating(pool, batch, refuse);
    expect(out.refused.map((r) => [r.offset, r.reason])).toEqual([['10', 'store_rejected:23514'], ['11', 'store_rejected:23514'], ['250', 'store_rejected:22023']]);
    expect(out.counts).toEqual({ readings: 297, anomalies: 2, anomaliesByRule: { tachycardia: 2 }, rejects: 5 });
    expect(out.stored.rows).toHaveLength(297);
    expect(out.dropped.map((d) => [d.anomaly?.customerId, d.error.sqlstate])).toEqual([['ISO-BAD', '23514']]);
    expect(await count(pool, 'SELECT count(*) FROM heartbeats')).toBe(297);
    expect(await count(pool, `SELECT count(*) FROM heartbeats WHERE customer_id IN ('ISO-BAD', 'BAD-TRIGGER')`)).toBe(0);
    expect(await count(pool, 'SELECT count(*) FROM anomalies')).toBe(2);
    const { rows: stored } = await pool.query<{ kafka_offset: string; reason: string; validator: string }>(
      `SELECT kafka_offset, reason, validator FROM rejected_readings WHERE validator = 'store' ORDER BY kafka_offset`);
    expect(stored.map((r) => [r.kafka_offset, r.reason])).toEqual([['10', 'store_rejected:23514'], ['11', 'store_rejected:23514'], ['250', 'store_rejected:22023']]);
    // The rollup counts exactly the stored readings.
    expect(await count(pool, 'SELECT sum(readings) FROM heartbeat_minutes')).toBe(297);

    // Delivered again (a crash before the commit): nothing new, the same verdicts.
    const again = await writeIsolating(pool, batch, refuse);
    expect(again.counts).toEqual({ readings: 0, anomalies: 0, anomaliesByRule: {}, rejects: 0 });
    expect(again.refused.map((r) => r.offset)).toEqual(['10', '11', '250']);
  });

  it('drops only the anomaly the table cannot hold (a NUL in jsonb), storing its reading', async () => {
    const batch: ChunkResult = { rows: [row('NUL-1', 5000), row('NUL-2', 5001)], anomalies: [anomaly('NUL-1', 5000, { note: 'a\u0000b' })], rejects: [] };
    const out = await writeIsolating(pool, batch, refuse);
    expect(out.refused).toEqual([]);
    expect(out.counts.readings).toBe(2);
    expect(out.dropped.map((d) => [d.anomaly?.customerId, d.error.sqlstate, d.error.retriable])).toEqual([['NUL-1', '22P05', false]]);
  });

  it('throws an error that is not the rows\' fault for a retry, and sets nothing apart', async () => {
    const before = await count(pool, 'SELECT count(*) FROM heartbeats');
    // A migration missing (42P01): every row would fail alike; retrying, not rejecting, is right.
    await pool.query('ALTER TABLE rejected_readings RENAME TO rejected_readings_away');
    try {
      const error = await writeIsolating(pool, { rows: [row('AWAY-1', 6000)], anomalies: [], rejects: [reject(2000)] }, refuse).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreWriteError);
      expect(error).toMatchObject({ sqlstate: '42P01', retriable: true });
    } finally {
      await pool.query('ALTER TABLE rejected_readings_away RENAME TO rejected_readings');
    }
    expect(await count(pool, 'SELECT count(*) FROM heartbeats')).toBe(before);
  });
});
