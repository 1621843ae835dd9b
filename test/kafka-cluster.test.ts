// The 3-node local cluster: with one broker stopped, producing with acks=all and
// min.insync.replicas=2 still works and nothing is lost; the stopped node rejoins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../src/config.js';
import { startChunkConsumer } from '../src/kafka/chunk-consumer.js';
import type { RawMessage } from '../src/core/types.js';
import { createKafka } from '../src/kafka/client.js';
import { createPublisher } from '../src/kafka/producer.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { memoryLogger, startTempCluster, testConfig, uniqueGroup, uniqueTopic } from './support/kafka.js';

const { log } = memoryLogger('info');
let cluster: Awaited<ReturnType<typeof startTempCluster>>;
let config: AppConfig;

describe('3-node local Kafka cluster', () => {
  beforeAll(async () => {
    cluster = await startTempCluster(log, { nodes: 3 });
    config = testConfig({
      kafka: {
        brokers: cluster.brokers, partitions: 3, replicationFactor: 3, minInsyncReplicas: 2,
        topics: { readings: uniqueTopic('cluster-readings'), deadLetter: uniqueTopic('cluster-dlq'), alerts: uniqueTopic('cluster-alerts') },
      },
    });
    await ensureTopics(config, log);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps accepting acks=all writes with one node down, loses nothing, and takes the node back', async () => {
    const topic = config.kafka.topics.readings;
    const kafka = createKafka(config, log, 'cluster-test');
    const admin = kafka.admin();
    await admin.connect();
    let stopped: number;
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]!.partitions.every((p) => p.replicas.length === 3)).toBe(true);
      // Stop the leader of partition 0, the node whose loss matters most.
      stopped = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
      await cluster.stopNode(stopped);
      expect((await admin.describeCluster()).brokers.map((b) => b.nodeId)).not.toContain(stopped);
    } finally {
      await admin.disconnect();
    }

    const values = Array.from({ length: 300 }, (_, i) => `reading-${i}`);
    const publisher = await createPublisher(kafka);
    try {
      await publisher.send(topic, values.map((value, i) => ({ key: `customer-${i % 11}`, value })));
    } finally {
      await publisher.disconnect();
    }

    const received: RawMessage[] = [];
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    const consumer = await startChunkConsumer(kafka, {
      groupId: uniqueGroup('cluster'), topic, chunkSize: 100, fromBeginning: true, log,
      async onChunk(messages) {
        received.push(...messages);
        if (received.length >= values.length) done();
        return true;
      },
    });
    try {
      await all;
    } finally {
      await consumer.stop();
    }
    expect(received.map((m) => m.value?.toString()).sort()).toEqual([...values].sort());

    await cluster.startNode(stopped);
    const again = kafka.admin();
    await again.connect();
    try {
      expect((await again.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
    } finally {
      await again.disconnect();
    }
  });
});
