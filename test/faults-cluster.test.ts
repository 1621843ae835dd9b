// One broker of a 3-node cluster (replication 3, min.insync.replicas 2) stopped in the middle of a
// stream: ingestion goes on with the two left, nothing is lost and nothing stored twice.
import { describe, expect, it } from 'vitest';
import { createKafka, plainClientConfig } from '../src/kafka/client.js';
import { silentLog } from './support/database.js';
import {
  appEnv, createTopics, expectDeadLetterCopies, faultNames, knownTraffic, readingsReach, rejectsReach, storedCounts, useFaultRig,
} from './support/faults.js';
import { publish } from './support/pipeline.js';

const HALF = 20_000;
const BAD_PER_HALF = 10;
const LAYOUT = { partitions: 4, replicationFactor: 3, minInsyncReplicas: 2 };

const rig = useFaultRig({ nodes: 3 });

/** The node leading partition 0 of `topic`: stopping it forces a leader election mid-stream. */
async function leaderOfPartitionZero(brokers: string[], topic: string): Promise<number> {
  const admin = createKafka(plainClientConfig(brokers, 'fault-test'), silentLog, 'admin').admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
  } finally {
    await admin.disconnect();
  }
}

describe('heartbeat consume on a 3-node cluster losing one broker', () => {
  it('keeps ingesting with one broker down and stores every reading exactly once', async () => {
    const { brokers, cluster, db, pool, logDir } = rig;
    const names = faultNames('cluster-fault');
    await createTopics(brokers, names, LAYOUT);
    const before = knownTraffic(HALF, BAD_PER_HALF, { tag: 'before' });
    await publish(names.readings, before.messages, { brokers });

    const app = rig.runApp(['consume'], appEnv(brokers, names, db.url, LAYOUT, { LOG_DIR: logDir, RETRY_MAX_DELAY_MS: '2000' }));
    await app.waitForLog((l) => l.msg === 'workers consuming');
    await readingsReach(pool, HALF / 4, 120_000);

    await cluster!.stopNode(await leaderOfPartitionZero(brokers, names.readings));
    // With the node still down: what was produced before and during the outage is all stored.
    const during = knownTraffic(HALF, BAD_PER_HALF, { tag: 'during' });
    await publish(names.readings, during.messages, { brokers });
    await readingsReach(pool, 2 * HALF, 180_000);
    const bad = [...before.bad, ...during.bad];
    await rejectsReach(pool, bad.length);
    expect(await app.stop('SIGINT')).toBe(0);

    expect(await storedCounts(pool)).toEqual({ readings: 2 * HALF, distinctReadings: 2 * HALF, rejects: bad.length, distinctRejects: bad.length });
    await expectDeadLetterCopies(brokers, names.deadLetter, bad);
  }, 300_000);
});
