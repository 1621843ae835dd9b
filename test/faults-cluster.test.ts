// One broker of a 3-node cluster (replication 3, min.insync.replicas 2) stopped in the middle of a
// stream: ingestion goes on with the two left, nothing is lost and nothing stored twice.
import { describe, it } from 'vitest';
import { createKafka, plainClientConfig } from '../src/kafka/client.js';
import { silentLog } from './support/database.js';
import { streamThroughFault, useFaultRig } from './support/faults.js';

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
    // The node stays down: what is published before and during the outage must all be stored.
    await streamThroughFault(rig, 'cluster-fault', LAYOUT, HALF, BAD_PER_HALF, async (_app, names) => {
      await rig.cluster!.stopNode(await leaderOfPartitionZero(rig.brokers, names.readings));
    });
  }, 300_000);
});
