// The local broker launcher against the real Apache Kafka: start, round trip with the app's
// producer and eachBatch consumer, restart on the same storage, start failures, no process left behind.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { startChunkConsumer } from '../src/kafka/chunk-consumer.js';
import type { RawMessage } from '../src/core/types.js';
import { createKafka, plainClientConfig } from '../src/kafka/client.js';
import { startLocalCluster } from '../src/kafka/local-cluster.js';
import { createPublisher } from '../src/kafka/producer.js';
import { freePortRange, javaProcessesUsing, memoryLogger, startTempCluster, uniqueGroup, uniqueTopic } from './support/kafka.js';

const { log } = memoryLogger('info');
let cluster: Awaited<ReturnType<typeof startTempCluster>>;

/** Consumes `topic` (from the beginning for a new group) until `count` messages arrived, then leaves the group. */
async function consumeAll(brokers: string[], topic: string, count: number, groupId = uniqueGroup('local-broker')): Promise<RawMessage[]> {
  const kafka = createKafka(plainClientConfig(brokers), log, 'test-consumer');
  const received: RawMessage[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await startChunkConsumer(kafka, {
    groupId, topic, chunkSize: 50, fromBeginning: true, log,
    async onChunk(messages) {
      received.push(...messages);
      if (received.length >= count) done();
      return true;
    },
  });
  try {
    await all;
  } finally {
    await consumer.stop();
  }
  return received;
}

describe('local Kafka broker', () => {
  const topic = uniqueTopic('local-broker');
  const values = Array.from({ length: 500 }, (_, i) => `reading-${i}`);
  const later = Array.from({ length: 100 }, (_, i) => `later-${i}`);
  const group = uniqueGroup('local-broker');

  async function publish(batch: string[]): Promise<void> {
    const publisher = await createPublisher(createKafka(plainClientConfig(cluster.brokers), log, 'test'));
    try {
      await publisher.send(topic, batch.map((value, i) => ({ key: `customer-${i % 7}`, value })));
    } finally {
      await publisher.disconnect();
    }
  }

  beforeAll(async () => {
    cluster = await startTempCluster(log);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves a produce/consume round trip: idempotent producer with acks -1, eachBatch consumer group', async () => {
    expect(cluster.brokers).toHaveLength(1);
    const kafka = createKafka(plainClientConfig(cluster.brokers), log, 'test');
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    await publish(values);
    const received = await consumeAll(cluster.brokers, topic, values.length, group);
    expect(received.map((m) => m.value?.toString()).sort()).toEqual([...values].sort());
    expect(new Set(received.map((m) => m.partition)).size).toBe(3);
  });

  it('resumes a consumer group from its committed offsets (nothing read twice)', async () => {
    await publish(later);
    const received = await consumeAll(cluster.brokers, topic, later.length, group);
    expect(received.map((m) => m.value?.toString()).sort()).toEqual([...later].sort());
  });

  it('keeps its data over a restart on the same storage (formatted once)', async () => {
    await cluster.stopNode(1);
    await cluster.startNode(1);
    const received = await consumeAll(cluster.brokers, topic, values.length + later.length);
    expect(received.map((m) => m.value?.toString()).sort()).toEqual([...values, ...later].sort());
  });

  it('refuses a second broker on storage a running broker uses', async () => {
    const basePort = await freePortRange(2);
    const error = await startLocalCluster({ ...cluster.options, basePort, controllerBasePort: basePort + 1 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('LOCAL_BROKER_FAILED');
    // The running broker is unaffected.
    expect(await javaProcessesUsing(cluster.dataDir)).toHaveLength(1);
  });

  it('fails with LOCAL_BROKER_FAILED naming broker.log when the broker exits during start-up', async () => {
    // Storage that belongs to another node: Kafka refuses it at start-up and exits.
    const dataDir = path.join(cluster.dataDir, 'foreign');
    await mkdir(path.join(dataDir, 'node-1', 'data'), { recursive: true });
    await writeFile(path.join(dataDir, 'node-1', 'data', 'meta.properties'), 'version=1\nnode.id=7\ncluster.id=AAAAAAAAAAAAAAAAAAAAAQ\ndirectory.id=AAAAAAAAAAAAAAAAAAAAAg\n');
    const basePort = await freePortRange(2);
    const error = await startLocalCluster({ ...cluster.options, dataDir, basePort, controllerBasePort: basePort + 1 }).catch((err: unknown) => err);
    expect((error as AppError).code).toBe('LOCAL_BROKER_FAILED');
    expect((error as AppError).message).toContain(path.join(dataDir, 'node-1', 'broker.log'));
    expect(await javaProcessesUsing(dataDir)).toEqual([]);
  });

  it('fails with LOCAL_BROKER_FAILED when its port is taken', async () => {
    const error = await startLocalCluster({
      ...cluster.options, dataDir: path.join(cluster.dataDir, 'other'),
    }).catch((err: unknown) => err);
    expect((error as AppError).code).toBe('LOCAL_BROKER_FAILED');
  });

  it('fails with LOCAL_BROKER_FAILED naming mvn\'s log when the Kafka version does not exist', async () => {
    const cacheDir = path.join(cluster.dataDir, 'cache');
    const error = await startLocalCluster({ ...cluster.options, cacheDir, version: '0.0.404' }).catch((err: unknown) => err);
    expect((error as AppError).code).toBe('LOCAL_BROKER_FAILED');
    expect((error as AppError).message).toMatch(new RegExp(`${cacheDir}/0\\.0\\.404\\.partial-\\d+/mvn\\.log`));
  });

  it('leaves no java process behind after stop', async () => {
    expect(await javaProcessesUsing(cluster.dataDir)).toHaveLength(1);
    await cluster.stop();
    expect(await javaProcessesUsing(cluster.dataDir)).toEqual([]);
  });
});
