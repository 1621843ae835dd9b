import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CachingDefaultPartitioner } from './producer.js';

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
