// Poison input never blocks its partition: a message near the broker's size limit and a burst of
// large garbage from one device are rejected, kept (row and dead-letter copy), and the readings
// behind them on the same partition are stored.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  appEnv, createTopics, expectDeadLetterCopies, faultNames, knownTraffic, readingsReach, rejectsReach, storedCounts,
  storedRejects, useFaultRig,
} from './support/faults.js';
import { publish } from './support/pipeline.js';

const READINGS = 1000;
const GARBAGE = 150;
// One partition: everything below queues behind the poison.
const LAYOUT = { partitions: 1 };

const rig = useFaultRig();

describe('heartbeat consume fed poison', () => {
  it('rejects and keeps oversized and garbage messages and stores the readings queued behind them', async () => {
    const { brokers, db, pool, logDir } = rig;
    const names = faultNames('poison');
    await createTopics(brokers, names, LAYOUT);
    const first = knownTraffic(READINGS, 0, { tag: 'first' });
    const then = knownTraffic(READINGS, 0, { tag: 'then' });
    // Random bytes do not compress: ~1,000,000 bytes is just under the broker's message limit, and
    // the garbage burst (~14.7 KB each: under input.maxMessageBytes, so each one is parsed and fails as
  // invalid_json; one device key) weighs over 2 MB together.
    const huge = randomBytes(1_000_000);
    const garbage = Array.from({ length: GARBAGE }, () => `{${randomBytes(11_000).toString('base64')}`);
    await publish(names.readings, first.messages, { brokers });
    await publish(names.readings, [{ key: 'device-poison', value: huge }], { brokers });
    await publish(names.readings, garbage.map((value) => ({ key: 'device-poison', value })), { brokers });
    await publish(names.readings, then.messages, { brokers });

    const app = rig.runApp(['consume'], appEnv(brokers, names, db.url, LAYOUT, { LOG_DIR: logDir, WORKERS: '1' }));
    await readingsReach(pool, 2 * READINGS, 120_000);
    await rejectsReach(pool, GARBAGE + 1);
    expect(await app.stop('SIGINT')).toBe(0);

    expect(await storedCounts(pool)).toEqual({ readings: 2 * READINGS, distinctReadings: 2 * READINGS, rejects: GARBAGE + 1, distinctRejects: GARBAGE + 1 });
    const rejects = await storedRejects(pool);
    const { rows } = await pool.query<{ raw: Buffer }>(`SELECT raw FROM rejected_readings WHERE reason = 'too_large'`);
    expect(rows.map((r) => r.raw.equals(huge))).toEqual([true]);
    expect(garbage.filter((g) => rejects.get(g) !== 'invalid_json')).toEqual([]);
    // Every garbage message has its dead-letter copy, byte for byte.
    await expectDeadLetterCopies(brokers, names.deadLetter, garbage);
  }, 240_000);
});
