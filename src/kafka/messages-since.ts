// How many messages a topic holds from a given time on, by their Kafka timestamps, read with the
// admin client (ListOffsets by timestamp and the end offsets; no consumer, nothing fetched).
import type { Kafka } from 'kafkajs';

/** Messages of `topic` whose timestamp is at or after `sinceMs`, over all its partitions. */
export async function countMessagesSince(kafka: Kafka, topic: string, sinceMs: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, since] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchTopicOffsetsByTimestamp(topic, sinceMs)]);
    // A partition with nothing that recent answers its end offset: none counted.
    const first = new Map(since.map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((n, p) => n + Math.max(0, Number(p.high) - (first.get(p.partition) ?? Number(p.high))), 0);
  } finally {
    await admin.disconnect();
  }
}
