// The latency run's end point against a real PostgreSQL: watchCommits dates a row after its
// COMMIT, not at its INSERT (the snapshot arithmetic is unit-tested in src/bench/commit-watch.test.ts).
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstSeenFinished, fullXid, watchCommits } from '../src/bench/commit-watch.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';

describe('watchCommits on a real server', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    pool = await openPool(db.url, 3);
    await pool.query('CREATE TABLE t (a int)');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('dates a row after its COMMIT, not at its INSERT', async () => {
    const watch = watchCommits(pool, 5);
    const client = await pool.connect();
    let committing: number;
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO t VALUES (1)');
      await new Promise((r) => setTimeout(r, 150));
      committing = Date.now();
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await new Promise((r) => setTimeout(r, 50));
    const snapshots = await watch.stop();
    const xid = fullXid(BigInt((await pool.query<{ x: string }>('SELECT xmin::text AS x FROM t')).rows[0]!.x), snapshots.at(-1)!.xmax);
    // Polls while the transaction was open (150 ms, every 5 ms) did not count it finished: its
    // rows are dated after the COMMIT was sent, not when they were inserted.
    const at = firstSeenFinished(snapshots, xid);
    expect(at).toBeGreaterThanOrEqual(committing);
    expect(at).toBeLessThanOrEqual(snapshots.at(-1)!.at);
  });

  it('reports a failed poll when stopped, not as a crash in between', async () => {
    const closed = await openPool(db.url, 1);
    await closed.end();
    const watch = watchCommits(closed, 5);
    await new Promise((r) => setTimeout(r, 30));
    await expect(watch.stop()).rejects.toThrow(/pool/i);
  });
});
