// Reads a consumer group's committed offsets and a topic's end offsets (for the benchmark: a
// drain is done when the group has committed every message, and a reading's commit time is
// when its offset is seen committed). Cheap admin requests: safe to poll every few ms.
import type { Admin, Kafka } from 'kafkajs';

/** Offsets per partition. */
export type PartitionOffsets = Map<number, bigint>;

export interface OffsetReader {
  /** The group's committed offset per partition (0 where nothing is committed yet). */
  committed(): Promise<PartitionOffsets>;
  /** The topic's end offset (high watermark) per partition. */
  ends(): Promise<PartitionOffsets>;
  close(): Promise<void>;
}

/** Total of the offsets of every partition. */
export function sumOffsets(offsets: PartitionOffsets): bigint {
  let total = 0n;
  for (const o of offsets.values()) total += o;
  return total;
}

/** Opens an admin connection reading `groupId`'s progress on `topic`. */
export async function openOffsetReader(kafka: Kafka, groupId: string, topic: string): Promise<OffsetReader> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  return {
    async committed() {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const out: PartitionOffsets = new Map();
      for (const p of entry?.partitions ?? []) out.set(p.partition, p.offset === '-1' ? 0n : BigInt(p.offset));
      return out;
    },
    async ends() {
      const out: PartitionOffsets = new Map();
      for (const p of await admin.fetchTopicOffsets(topic)) out.set(p.partition, BigInt(p.high));
      return out;
    },
    close: () => admin.disconnect(),
  };
}
