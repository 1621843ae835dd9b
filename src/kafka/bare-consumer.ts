// Bare kafkajs consumers for the benchmark's baselines (src/bench): the raw limit gets every
// fetched batch whole, the naive design one message at a time. No chunking, no retries, no
// dead letters: what the client costs by itself. The app never uses this file.
import type { Consumer, Kafka } from 'kafkajs';
import { CONSUMER_FETCH } from './chunk-consumer.js';

/** One message as the baselines see it. */
export interface BareMessage {
  value: Buffer | null;
  partition: number;
  offset: string;
}

export interface BareConsumeOptions {
  groupId: string;
  topic: string;
  /** Stop once this many messages were handled and their offsets committed. */
  limit: number;
  /** 'batch': the handler gets each fetched batch; 'message': one message per call (kafkajs eachMessage). */
  mode: 'batch' | 'message';
  /** Makes the messages durable; their offsets are committed after it resolves. */
  onMessages(messages: BareMessage[]): Promise<void>;
}

/** Timings of one bare run (ms since epoch). */
export interface BareConsumeResult {
  /** When the consumer had joined its group and got its partitions. */
  joinedAt: number;
  /** When the last handled message's offset was committed. */
  doneAt: number;
  handled: number;
}

/** Consumes `topic` from the beginning until `limit` messages are handled, then leaves the group. */
export async function consumeBare(kafka: Kafka, options: BareConsumeOptions): Promise<BareConsumeResult> {
  const consumer: Consumer = kafka.consumer({ groupId: options.groupId, ...CONSUMER_FETCH });
  let joinedAt = 0;
  let handled = 0;
  let finish: (at: number) => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  const done = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (joinedAt === 0) joinedAt = Date.now();
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) fail(event.payload.error);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        const room = options.limit - handled;
        if (room <= 0) return;
        const taken = batch.messages.slice(0, room).map((m) => ({ value: m.value, partition: batch.partition, offset: m.offset }));
        if (taken.length === 0) return;
        if (options.mode === 'batch') {
          await options.onMessages(taken);
          resolveOffset(taken[taken.length - 1]!.offset);
        } else {
          for (const m of taken) {
            await options.onMessages([m]);
            resolveOffset(m.offset);
          }
        }
        await commitOffsetsIfNecessary();
        handled += taken.length;
        if (handled >= options.limit) finish(Date.now());
      },
    });
    const doneAt = await done;
    return { joinedAt, doneAt, handled };
  } finally {
    await consumer.disconnect();
  }
}
