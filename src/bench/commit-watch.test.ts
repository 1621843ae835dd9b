// The latency run's end point: a row counts as committed from the first snapshot that shows its
// transaction finished, never while the transaction is still open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createTestDatabase, openPool, type TestDatabase } from '../../test/support/database.js';
import { firstSeenFinished, fullXid, parseSnapshot, watchCommits } from './commit-watch.js';

describe('snapshot arithmetic', () => {
  it('reads pg_snapshot text', () => {
    expect(parseSnapshot('10:20:', 1)).toEqual({ at: 1, xmax: 20n, xip: [] });
    expect(parseSnapshot('10:20:15,12', 2)).toEqual({ at: 2, xmax: 20n, xip: [12n, 15n] });
    expect(() => parseSnapshot('10', 3)).toThrow(/not a pg_snapshot/);
  });

  it('puts a 32-bit xmin into the epoch of the latest snapshot, or the one before', () => {
    const epoch1 = 1n << 32n;
    expect(fullXid(5n, epoch1 + 10n)).toBe(epoch1 + 5n);
    expect(fullXid(0xfffffff0n, epoch1 + 10n)).toBe(0xfffffff0n);
    expect(fullXid(700n, 900n)).toBe(700n);
  });

  it('finds the first snapshot in which a transaction is neither future nor in progress', () => {
    const snaps = [parseSnapshot('5:7:5,6', 100), parseSnapshot('5:9:5,8', 110), parseSnapshot('8:9:8', 120), parseSnapshot('9:9:', 130)];
    expect(firstSeenFinished(snaps, 6n)).toBe(110);
    expect(firstSeenFinished(snaps, 7n)).toBe(110);
    expect(firstSeenFinished(snaps, 5n)).toBe(120);
    expect(firstSeenFinished(snaps, 8n)).toBe(130);
    expect(firstSeenFinished(snaps, 4n)).toBe(100);
    expect(firstSeenFinished(snaps, 9n)).toBeUndefined();
  });
});

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
