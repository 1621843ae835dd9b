import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, Partitioners, type Kafka, type PartitionMetadata, type Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CachingDefaultPartitioner, createPublisher, sequenceLost } from './producer.js';

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

describe('CachingDefaultPartitioner', () => {
  it("puts every key on the partition Java clients and kafkajs's DefaultPartitioner choose, asked once or again", () => {
    const cached = CachingDefaultPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 3000 }, (_, i) => `customer-${String(i).padStart(5, '0')}`);
    for (const count of [12, 12, 7]) {
      const partitionMetadata = partitions(count);
      for (const key of keys) {
        const args = { topic: 'readings', partitionMetadata, message: { key, value: 'x' } };
        expect(cached(args)).toBe(reference(args));
      }
    }
  });

  it('keeps an explicit partition and hashes Buffer keys as the default does', () => {
    const cached = CachingDefaultPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    const partitionMetadata = partitions(12);
    expect(cached({ topic: 't', partitionMetadata, message: { key: 'customer-1', value: 'x', partition: 5 } })).toBe(5);
    const key = Buffer.from('customer-00042');
    expect(cached({ topic: 't', partitionMetadata, message: { key, value: 'x' } })).toBe(reference({ topic: 't', partitionMetadata, message: { key, value: 'x' } }));
  });
});

/** A Kafka client whose producers record what they send; `failures` are thrown by the first producer's sends, in order. */
function fakeKafka(failures: Error[]) {
  const producers: Array<{ sent: string[]; disconnected: boolean }> = [];
  const kafka = {
    producer: () => {
      const record = { sent: [] as string[], disconnected: false };
      const mine = producers.push(record) === 1 ? failures : [];
      return {
        connect: async () => {},
        disconnect: async () => { record.disconnected = true; },
        send: async ({ messages }: { messages: Array<{ value: string }> }) => {
          const failure = mine.shift();
          if (failure !== undefined) throw failure;
          record.sent.push(...messages.map((m) => m.value));
          return [];
        },
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, producers };
}

// kafkajs builds it from the broker's error code entry: { type, code, retriable, message }.
const outOfOrder = () => new KafkaJSProtocolError(Object.assign(new Error('The broker received an out of order sequence number'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false }));

describe('createPublisher', () => {
  it('replaces a producer whose sequence numbers the broker no longer accepts, so the retry gets through', async () => {
    const { kafka, producers } = fakeKafka([outOfOrder(), outOfOrder()]);
    const publisher = await createPublisher(kafka);
    // Without the replacement every retry fails the same way (the first producer keeps failing).
    await expect(publisher.send('t', [{ key: 'a', value: 'one' }])).rejects.toThrow('out of order sequence number');
    await publisher.send('t', [{ key: 'a', value: 'one' }]);
    // The old one stays connected for sends still in flight on it, and goes with the publisher.
    expect(producers.map((p) => [p.sent, p.disconnected])).toEqual([[[], false], [['one'], false]]);
    await publisher.disconnect();
    expect(producers.map((p) => p.disconnected)).toEqual([true, true]);
  });

  it('keeps its producer after any other failure (a connection error is retried on the same one)', async () => {
    const { kafka, producers } = fakeKafka([new KafkaJSConnectionError('Connection error: ECONNREFUSED')]);
    const publisher = await createPublisher(kafka);
    await expect(publisher.send('t', [{ key: 'a', value: 'one' }])).rejects.toThrow('ECONNREFUSED');
    await publisher.send('t', [{ key: 'a', value: 'one' }]);
    expect(producers.map((p) => [p.sent, p.disconnected])).toEqual([[['one'], false]]);
  });

  it('recognises the lost sequence inside the errors kafkajs wraps it in', () => {
    expect(sequenceLost(new KafkaJSNumberOfRetriesExceeded(outOfOrder(), { retryCount: 5, retryTime: 1000 }))).toBe(true);
    expect(sequenceLost({ errors: [new Error('other'), outOfOrder()] })).toBe(true);
    expect(sequenceLost(new KafkaJSConnectionError('Connection error'))).toBe(false);
  });
});
