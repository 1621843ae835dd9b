// The one producer shape the app uses (simulator, dead-letter copies, alerts): idempotent, acks
// from all in-sync replicas, batches compressed as kafka.compression says. Callers see no kafkajs types.
import { CompressionTypes, Partitioners, type ICustomPartitioner, type Kafka, type Producer } from 'kafkajs';

/** A message to publish; headers carry metadata such as a reject's reason. */
export interface OutboundMessage {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
}

export interface Publisher {
  /** Resolves once every message is acknowledged by all in-sync replicas (sent in slices of at most MAX_SEND_BYTES). */
  send(topic: string, messages: OutboundMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Most bytes of keys, values and headers in one request, with room under the broker's 1 MB limit. */
export const MAX_SEND_BYTES = 512 * 1024;

function sizeOf(m: OutboundMessage): number {
  let bytes = (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64;
  for (const [k, v] of Object.entries(m.headers ?? {})) bytes += k.length + v.length;
  return bytes;
}

/** Consecutive slices of at most MAX_SEND_BYTES each (a larger message goes alone). */
function byteSlices(messages: OutboundMessage[]): OutboundMessage[][] {
  const slices: OutboundMessage[][] = [];
  let slice: OutboundMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (slice.length > 0 && bytes + size > MAX_SEND_BYTES) {
      slices.push(slice);
      slice = [];
      bytes = 0;
    }
    slice.push(m);
    bytes += size;
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}

/** Most keys whose partition is remembered per partition count (the simulator's customers; then it starts over). */
const PARTITION_CACHE_KEYS = 100_000;

/**
 * kafkajs's DefaultPartitioner (the murmur2 of the key, as Java clients do), remembering each
 * string key's partition: per message it hashed the key with 64-bit long.js arithmetic and
 * copied the partition list, a visible share of the simulator's CPU profile (npm run bench
 * --cpu-prof), for the same few thousand keys over and over. Remembered per partition count, so
 * a topic given more partitions gets fresh answers.
 */
export const CachingDefaultPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  const byCount = new Map<number, Map<string, number>>();
  return (args) => {
    const { message, partitionMetadata } = args;
    const key = message.key;
    if (typeof key !== 'string' || (message.partition !== undefined && message.partition !== null)) return inner(args);
    let known = byCount.get(partitionMetadata.length);
    if (known === undefined) byCount.set(partitionMetadata.length, (known = new Map()));
    let partition = known.get(key);
    if (partition === undefined) {
      partition = inner(args);
      if (known.size >= PARTITION_CACHE_KEYS) known.clear();
      known.set(key, partition);
    }
    return partition;
  };
};

/** How published batches are compressed: kafka.compression's choices (the config validates it). */
export type Compression = 'none' | 'gzip';

/**
 * Broker answers after which an idempotent producer and the broker disagree on its sequence numbers
 * for good: kafkajs never resynchronises (tulios/kafkajs#598), so every later send fails the same
 * way and the caller's backoff retries forever. Seen in the full test suite on a loaded machine:
 * the simulator stored 96 readings, then "out of order sequence number" on every attempt.
 */
const SEQUENCE_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

/** Whether `err`, or an error it wraps (kafkajs's retries-exceeded and aggregate errors), is one of SEQUENCE_LOST. */
export function sequenceLost(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const e = err as { type?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.type === 'string' && SEQUENCE_LOST.has(e.type)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => sequenceLost(x, depth + 1))) return true;
  return sequenceLost(e.originalError, depth + 1) || sequenceLost(e.cause, depth + 1);
}

/**
 * Connects an idempotent producer. Uncompressed unless told otherwise: kafkajs gzips on the
 * libuv thread pool: gzip lengthens every produce round trip, so the latency's tail, and raises a
 * drain's peak RSS (whole compressed fetches decoded at once), for no throughput gain on a local
 * network (figures in BENCHMARKS.md). A deployment on a slow link sets gzip.
 *
 * A send that fails because the producer lost its sequence (SEQUENCE_LOST) replaces the producer
 * (a new producer id starts its sequences afresh) and throws as before: the caller's retry sends
 * on the new one. Messages of the failed send may then be on the topic twice, which every reader
 * of our topics tolerates (readings are deduplicated; alerts and dead letters are at least once).
 */
export async function createPublisher(kafka: Kafka, options: { compression?: Compression | string } = {}): Promise<Publisher> {
  const open = (): Promise<Producer> => {
    const producer = kafka.producer({
      idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false,
      // The murmur2 partitioner Java clients use (kafkajs 2's default), remembering string keys'.
      createPartitioner: CachingDefaultPartitioner,
    });
    const ready = producer.connect().then(() => producer);
    // A replacement that cannot connect fails the next send, not the process.
    ready.catch(() => undefined);
    return ready;
  };
  let current = open();
  await current;
  // Producers replaced after a lost sequence. Disconnected only with the publisher: the simulator
  // overlaps its sends, and disconnecting one under the others' feet would fail them too.
  const retired: Producer[] = [];
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    async send(topic, messages) {
      const used = current;
      let producer: Producer;
      try {
        producer = await used;
      } catch (err) {
        if (current === used) current = open();
        throw err;
      }
      try {
        // kafkajs puts a partition's messages of one send in one record batch; the broker refuses a
        // batch over max.message.bytes (1 MB by default) for good, so large sends go in slices.
        for (const slice of byteSlices(messages)) await producer.send({ topic, acks: -1, compression, messages: slice });
      } catch (err) {
        if (sequenceLost(err) && current === used) {
          current = open();
          retired.push(producer);
        }
        throw err;
      }
    },
    async disconnect() {
      const producer = await current.catch(() => undefined);
      await Promise.all(retired.splice(0).map((r) => r.disconnect().catch(() => undefined)));
      await producer?.disconnect();
    },
  };
}
