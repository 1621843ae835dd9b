// The app's only Kafka broker stopped in the middle of a stream and started again: the app
// reconnects by itself, consumes what was produced after the restart, and loses or doubles nothing.
import { describe, expect, it } from 'vitest';
import {
  appEnv, createTopics, expectDeadLetterCopies, faultNames, knownTraffic, readingsReach, rejectsReach, storedCounts, useFaultRig,
} from './support/faults.js';
import { publish } from './support/pipeline.js';

const HALF = 20_000;
const BAD_PER_HALF = 10;
const LAYOUT = { partitions: 4 };

const rig = useFaultRig({ nodes: 1 });

describe('heartbeat consume while its Kafka broker restarts', () => {
  it('reconnects by itself and stores every reading of before and after the restart exactly once', async () => {
    const { brokers, cluster, db, pool, logDir } = rig;
    const names = faultNames('broker-restart');
    await createTopics(brokers, names, LAYOUT);
    const before = knownTraffic(HALF, BAD_PER_HALF, { tag: 'before' });
    await publish(names.readings, before.messages, { brokers });

    const app = rig.runApp(['consume'], appEnv(brokers, names, db.url, LAYOUT, { LOG_DIR: logDir, RETRY_MAX_DELAY_MS: '2000' }));
    await app.waitForLog((l) => l.msg === 'workers consuming');
    await readingsReach(pool, HALF / 4, 120_000);

    const linesBefore = app.lines.length;
    await cluster!.stopNode(1);
    // The app notices: its Kafka client reports the lost connection.
    await app.waitForLog((l) => app.lines.indexOf(l) >= linesBefore && l.component === 'kafka' && Number(l.level) >= 40, 60_000);
    await cluster!.startNode(1);

    // Readings produced after the restart arrive too: the workers are consuming again, not just draining.
    const after = knownTraffic(HALF, BAD_PER_HALF, { tag: 'after' });
    await publish(names.readings, after.messages, { brokers });
    await readingsReach(pool, 2 * HALF, 180_000);
    const bad = [...before.bad, ...after.bad];
    await rejectsReach(pool, bad.length);
    expect(await app.stop('SIGINT')).toBe(0);

    expect(await storedCounts(pool)).toEqual({ readings: 2 * HALF, distinctReadings: 2 * HALF, rejects: bad.length, distinctRejects: bad.length });
    await expectDeadLetterCopies(brokers, names.deadLetter, bad);
  }, 300_000);
});
