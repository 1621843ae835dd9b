// A consumer-group member that hands messages to a handler in chunks and commits an offset only
// after the handler has made its chunk durable. Each fetch (what kafkajs calls a batch: one
// partition's messages from one fetch) is cut into chunks of at most chunkSize messages. The
// handler never sees kafkajs types, so the client could be swapped. Poison messages are the
// handler's business (they become rejects); this loop only stops early when the fetch went stale
// in a rebalance or we are stopping.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { RawMessage } from '../core/types.js';
import type { Logger } from '../log.js';
import { backoffDelay, type RetryPolicy } from '../retry.js';

/** What a chunk handler can ask of the consumer while it works (e.g. during retries). */
export interface ChunkControl {
  /** True when a rebalance took the partition away, or we are stopping: give up, do not commit. */
  shouldAbandon(): boolean;
  /** Keeps group membership alive during long work (retries while PostgreSQL is away). */
  heartbeat(): Promise<void>;
}

export interface ChunkConsumerOptions {
  groupId: string;
  topic: string;
  /** Most messages per handler call. */
  chunkSize: number;
  fromBeginning?: boolean;
  log: Logger;
  /**
   * Makes the chunk durable and resolves true; resolves false when it gave up because
   * control.shouldAbandon() turned true (the chunk is then neither resolved nor committed).
   */
  onChunk(messages: RawMessage[], control: ChunkControl): Promise<boolean>;
  /** Called with this member's partitions after every rebalance. */
  onAssignment?(partitions: number[]): void;
  /** Backoff between calls of onChunk on a chunk it threw on (default: the retry.* defaults). */
  retry?: RetryPolicy;
  /** Session timeout, ms: how long the group waits for a silent member before rebalancing. */
  sessionTimeoutMs?: number;
  /** Longest a fetch waits at the broker for more data, ms (kafkajs maxWaitTimeInMs). */
  fetchWaitMs?: number;
  /**
   * Partitions handled at once (default 1). onChunk then runs for several partitions concurrently,
   * one chunk per partition at a time, so one partition's write overlaps another's processing.
   */
  concurrentPartitions?: number;
}

export interface ChunkConsumer {
  /** Leaves the group after the chunk in progress is committed. */
  stop(): Promise<void>;
  /** Resolves when the consumer crashed for good (kafkajs gave up restarting it). */
  readonly crashed: Promise<Error>;
}

/** Fetch sizes of the app's consumers (the benchmark's bare baselines use the same). */
export const CONSUMER_FETCH = {
  // Bounded prefetch: with a few partitions processed at a time this caps buffered bytes.
  maxBytesPerPartition: 256 * 1024,
  maxBytes: 2 * 1024 * 1024,
  // A fetch returns once 64 KB (~400 readings) are there or maxWaitTimeInMs passed: at low rates
  // readings gather into fewer, larger writes instead of one statement per message; at high rates
  // the next fetch returns with what came in while the last chunks were written. Larger (256 KB)
  // made every fetch at a steady moderate rate wait out maxWaitTimeInMs; smaller (16 KB) made
  // more, smaller chunks and a busier app; 1 byte flooded the broker with tiny fetches (latency
  // figures in BENCHMARKS.md).
  minBytes: 64 * 1024,
  maxWaitTimeInMs: 200,
} as const;

// receivedAt is the broker's timestamp of the message, not our clock: a redelivered message then
// gets the same receivedAt, so range checks and rules give the same outcome the second time.
function toRawMessage(topic: string, partition: number, m: EachBatchPayload['batch']['messages'][number]): RawMessage {
  const stamped = Number(m.timestamp);
  return { value: m.value, key: m.key, topic, partition, offset: m.offset, receivedAt: stamped > 0 ? stamped : Date.now() };
}

/**
 * One offset commit for the chunks that become durable together (the worker writes a fetch's
 * small chunks as one group). kafkajs commits every resolved offset not yet acknowledged, so six
 * chunks finishing at once sent six OffsetCommit requests, each repeating the ones still in
 * flight, each a write to __consumer_offsets. A chunk joins the commit that has not started yet;
 * the next one starts after the one in flight, and carries every offset resolved meanwhile.
 * Returns the function a chunk awaits, after resolving its offset, with the commit to make.
 */
export function commitCoalescer(): (commit: () => Promise<void>) => Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  let next: Promise<void> | undefined;
  return (commit) => {
    next ??= inFlight
      .catch(() => undefined)
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        next = undefined;
        inFlight = commit();
        return inFlight;
      });
    return next;
  };
}

const DEFAULT_RETRY: RetryPolicy = { retries: 0, minDelayMs: 250, maxDelayMs: 10_000, factor: 2 };

/**
 * Waits `delayMs`, heartbeating about once a second so the group keeps the partition meanwhile.
 * Resolves false as soon as control.shouldAbandon() (revoked, or stopping).
 */
export async function waitHeartbeating(delayMs: number, control: ChunkControl): Promise<boolean> {
  const until = Date.now() + delayMs;
  while (Date.now() < until && !control.shouldAbandon()) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    await control.heartbeat().catch(() => undefined);
  }
  return !control.shouldAbandon();
}

/**
 * Runs the handler on one chunk until it resolves. A handler that throws (a bug: poison input is
 * the handler's to turn into rejects, a failed write its to retry) is called again on the same
 * chunk after a backoff, never at once: thrown to kafkajs, the chunk came straight back and threw
 * again, in a tight loop. The error is logged each time; the partition waits, nothing is skipped.
 * Resolves false when the chunk was given up (control.shouldAbandon()).
 */
export async function handleChunk(
  chunk: RawMessage[], onChunk: ChunkConsumerOptions['onChunk'], control: ChunkControl, retry: RetryPolicy, log: Logger,
): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await onChunk(chunk, control);
    } catch (err) {
      // Capped exponent: the delay stops growing at retry.maxDelayMs anyway.
      const delayMs = backoffDelay(retry, Math.min(attempt, 30));
      log.error({ err, partition: chunk[0]!.partition, offset: chunk[0]!.offset, count: chunk.length, attempt, delayMs }, 'chunk handler failed; retrying the chunk after backoff');
      if (!(await waitHeartbeating(delayMs, control))) return false;
    }
  }
}

/** Joins the group, subscribes, and runs until stop(). */
export async function startChunkConsumer(kafka: Kafka, options: ChunkConsumerOptions): Promise<ChunkConsumer> {
  const { log } = options;
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    ...CONSUMER_FETCH,
    maxWaitTimeInMs: options.fetchWaitMs ?? CONSUMER_FETCH.maxWaitTimeInMs,
  });
  let crash: (err: Error) => void = () => undefined;
  const crashed = new Promise<Error>((resolve) => {
    crash = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const partitions = [...(event.payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
    log.info({ partitions, groupId: options.groupId }, 'partitions assigned');
    options.onAssignment?.(partitions);
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) crash(event.payload.error);
  });

  const commitResolved = commitCoalescer();

  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    eachBatchAutoResolve: false,
    // Commit as soon as one resolved offset is pending: the redelivery window after a crash is one chunk.
    autoCommitThreshold: 1,
    partitionsConsumedConcurrently: options.concurrentPartitions ?? 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      const control: ChunkControl = { shouldAbandon: () => !isRunning() || isStale(), heartbeat };
      const { messages } = batch;
      for (let start = 0; start < messages.length; start += options.chunkSize) {
        if (control.shouldAbandon()) return;
        const chunk = messages.slice(start, start + options.chunkSize).map((m) => toRawMessage(batch.topic, batch.partition, m));
        const durable = await handleChunk(chunk, options.onChunk, control, options.retry ?? DEFAULT_RETRY, log);
        // A chunk made stale by a rebalance is not committed: its new owner redoes it (idempotently).
        if (!durable || isStale()) return;
        resolveOffset(chunk[chunk.length - 1]!.offset);
        await commitResolved(() => commitOffsetsIfNecessary());
        await heartbeat();
      }
    },
  });

  return {
    crashed,
    async stop() {
      await consumer.disconnect();
    },
  };
}
