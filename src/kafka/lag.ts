// Consumer lag per partition of one topic for one group: the brokers' end offsets minus the
// group's committed offsets, read with the admin client (no consumer joins the group).
import type { Admin, Kafka } from 'kafkajs';

/** Lag of one partition. `committed` is -1 while the group has committed nothing there. */
export interface PartitionLag {
  partition: number;
  end: number;
  committed: number;
  lag: number;
}

export interface LagReader {
  read(): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/** A reader of `groupId`'s lag on `topic`; connects lazily and reconnects after a failure. */
export function createLagReader(kafka: Kafka, groupId: string, topic: string): LagReader {
  let admin: Admin | undefined;
  return {
    async read() {
      if (admin === undefined) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
      try {
        const [ends, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId, topics: [topic] }),
        ]);
        const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        return ends.map((p) => {
          const end = Number(p.high);
          const low = Number(p.low);
          const done = byPartition.get(p.partition) ?? -1;
          // Nothing committed yet: everything still on the partition is lag.
          const lag = Math.max(0, end - (done >= 0 ? done : low));
          return { partition: p.partition, end, committed: done, lag };
        }).sort((a, b) => a.partition - b.partition);
      } catch (err) {
        const broken = admin;
        admin = undefined;
        await broken.disconnect().catch(() => undefined);
        throw err;
      }
    },
    async close() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
}
