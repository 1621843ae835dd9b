// The bench's SQL against a real, migrated database: its counts, the transactions that stored
// rows, and latency percentiles measured from event time to each row's commit and to its write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { currentSnapshot, heartbeatTransactions, latencyPercentiles, storedCounts } from '../src/store/bench-queries.js';

const EVENT = Date.parse('2026-11-23T07:00:00Z');

describe('bench queries', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url, 2);
    // Two transactions: readings 0-1 s and 2-3 s after their event times were written.
    for (const [from, count] of [[0, 2], [2, 2]] as const) {
      const rows = Array.from({ length: count }, (_, i) => from + i);
      await pool.query(
        `INSERT INTO heartbeats (customer_id, event_time, heart_rate, level, ingested_at)
         SELECT 'c' || s, $1::timestamptz + s * interval '1 minute', 70, 'normal',
                $1::timestamptz + s * interval '1 minute' + s * interval '1 second'
         FROM unnest($2::int[]) AS s`,
        [new Date(EVENT).toISOString(), rows]);
    }
    await pool.query(`INSERT INTO rejected_readings (raw, reason, validator, topic, kafka_partition, kafka_offset)
                      VALUES ('\\x00', 'invalid_json', 'core', 't', 0, 1)`);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('counts stored readings and rejects', async () => {
    expect(await storedCounts(pool)).toEqual({ stored: 4, rejected: 1 });
  });

  it('reads a snapshot without touching a table', async () => {
    expect(await currentSnapshot(pool)).toMatch(/^\d+:\d+:[\d,]*$/);
  });

  it('measures from event time to the commit and to the write, from the given event time on', async () => {
    const xids = await heartbeatTransactions(pool);
    expect(xids).toHaveLength(2);
    // Say both transactions were seen committed 10 s after the last event time.
    const at = new Date(EVENT + 3 * 60_000 + 10_000);
    const all = await latencyPercentiles(pool, new Date(EVENT), xids.map((xid) => ({ xid, at })));
    expect(all.measured).toBe(4);
    // Written 0, 1, 2 and 3 s after their event times; percentile_cont interpolates.
    expect(all.written.p50).toBe(1500);
    expect(all.written.p95).toBeCloseTo(2850, 6);
    expect(all.written.p99).toBeCloseTo(2970, 6);
    expect(all.written.max).toBe(3000);
    // Committed: the latest reading waited 10 s, the earliest 3 min 10 s.
    expect(all.committed.max).toBe(190_000);
    const later = await latencyPercentiles(pool, new Date(EVENT + 2 * 60_000), xids.map((xid) => ({ xid, at })));
    expect(later.measured).toBe(2);
    expect(later.written.max).toBe(3000);
  });
});
