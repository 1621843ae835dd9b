// The fault tests' end check can fail: expectRejects takes a producer's second copy of a stored
// reading (another offset) as a duplicate, but not the stored message itself refused as a
// duplicate when redelivered, nor a duplicate of a reading that was never stored.
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../src/kafka/producer.js';
import { writeGroup } from '../src/store/group-writer.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { expectRejects } from './support/faults.js';

// Whole seconds an hour ago, as knownTraffic makes them.
const T = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const value = (customer: string) => JSON.stringify({ customer_id: customer, timestamp: T, heart_rate: 70, device_id: `dev-${customer}` });
const BAD = '{"customer_id":"chk-bad","bad":0,';
const published: OutboundMessage[] = [{ key: 'chk-1', value: value('chk-1') }, { key: 'chk-2', value: value('chk-2') }, { key: 'chk-bad', value: BAD }];

describe('expectRejects', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  /** Stores reading chk-1 from partition 0, offset 4, the bad message as a reject, and `duplicates` (by customer and offset). */
  const store = (duplicates: Array<[customer: string, offset: string]>) => writeGroup(pool, {
    rows: [{ customerId: 'chk-1', eventTime: T, heartRate: 70, level: 'normal', late: false, partition: 0, offset: '4' }],
    anomalies: [],
    rejects: [
      { raw: Buffer.from(BAD), reason: 'invalid_json', detail: 'x', validator: 'parse', topic: 'readings', partition: 0, offset: '2', receivedAt: T },
      ...duplicates.map(([customer, offset]) => (
        { raw: Buffer.from(value(customer)), reason: 'duplicate', detail: 'x', validator: 'dedupe', topic: 'readings', partition: 0, offset, receivedAt: T })),
    ],
  });
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url, 2);
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE heartbeats, rejected_readings');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('accepts a second copy of a stored reading, at another offset', async () => {
    await store([['chk-1', '7']]);
    await expectRejects(pool, [BAD], published);
  });

  it('refuses the stored message itself kept as a duplicate (a redelivery refused)', async () => {
    await store([['chk-1', '4']]);
    await expect(expectRejects(pool, [BAD], published)).rejects.toMatchObject({ actual: [[expect.stringMatching(/^duplicate at the stored reading's own offset/), 1]] });
  });

  it('refuses a duplicate of a reading that was never stored', async () => {
    await store([['chk-2', '9']]);
    await expect(expectRejects(pool, [BAD], published)).rejects.toMatchObject({ actual: [[expect.stringMatching(/^duplicate of a reading that was never stored/), 1]] });
  });
});
