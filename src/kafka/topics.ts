// Creates the app's topics (readings, dead-letter, alerts) with the configured partitions,
// replication and min.insync.replicas. Idempotent; connecting is retried with backoff so the app
// may start before its broker.
import kafkajs, { type Admin, type ITopicConfig } from 'kafkajs';
import type { AppConfig } from '../config.js';
import { AppError, ConnectionError, KafkaTopicError } from '../errors.js';
import type { Logger } from '../log.js';
import { withRetry } from '../retry.js';
import { createKafka } from './client.js';

// kafkajs is CommonJS and spreads its error classes into its exports, which Node's ESM named-export
// detection cannot see: take them from the default export.
const { KafkaJSAggregateError } = kafkajs;

/** The config ensureTopics needs (a whole AppConfig will do). */
export type TopicsConfig = Pick<AppConfig, 'kafka' | 'retry'>;

/** What ensureTopics found and did. */
export interface TopicsReport {
  created: string[];
  existing: string[];
}

/** The app's topic names, readings first. */
export function appTopics(config: Pick<AppConfig, 'kafka'>): string[] {
  const { readings, deadLetter, alerts } = config.kafka.topics;
  return [...new Set([readings, deadLetter, alerts])];
}

/** Kafka's default limit on a record batch (message.max.bytes), which the readings topic keeps. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/**
 * The dead-letter topic takes records 64 KiB larger than the readings topic: a reject is copied
 * there byte for byte with its reason in headers, so a reading that just fit the readings topic
 * must still fit with those headers added, or its partition could never commit past it.
 */
export const DEAD_LETTER_MAX_MESSAGE_BYTES = KAFKA_DEFAULT_MAX_MESSAGE_BYTES + 64 * 1024;

function topicSpec(config: TopicsConfig, topic: string): ITopicConfig {
  const configEntries = [{ name: 'min.insync.replicas', value: String(config.kafka.minInsyncReplicas) }];
  if (topic === config.kafka.topics.deadLetter) configEntries.push({ name: 'max.message.bytes', value: String(DEAD_LETTER_MAX_MESSAGE_BYTES) });
  return { topic, numPartitions: config.kafka.partitions, replicationFactor: config.kafka.replicationFactor, configEntries };
}

/** Errors the broker will repeat on every attempt (bad replication factor, policy) fail at once. */
function classify(err: unknown, topics: string[]): Error {
  if (err instanceof AppError) return err;
  if (err instanceof KafkaJSAggregateError) {
    type TopicFailure = { message: string; type?: string; retriable?: boolean; topic?: string };
    const causes: TopicFailure[] = err.errors.map((e) => (typeof e === 'string' ? { message: e } : (e as Error & TopicFailure)));
    if (!causes.every((c) => c.retriable === true)) {
      const detail = causes.map((c) => `${c.topic ?? '?'}: ${c.type ?? c.message}`).join('; ');
      const topic = causes.find((c) => c.topic !== undefined)?.topic ?? topics[0]!;
      return new KafkaTopicError(topic, `Kafka refused to create the topics (${detail})`, { cause: err });
    }
  }
  return new ConnectionError('kafka', `Could not set up the Kafka topics: ${(err as Error).message}`, { cause: err });
}

async function ensureOnce(admin: Admin, config: TopicsConfig, log: Logger): Promise<TopicsReport> {
  const wanted = appTopics(config);
  await admin.connect();
  const present = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !present.has(t));
  const existing = wanted.filter((t) => present.has(t));
  if (missing.length > 0) {
    // false means another instance created them between our list and create: fine.
    await admin.createTopics({ topics: missing.map((t) => topicSpec(config, t)), waitForLeaders: true });
  }
  if (existing.length > 0) {
    const { topics } = await admin.fetchTopicMetadata({ topics: existing });
    for (const { name, partitions } of topics) {
      if (partitions.length !== config.kafka.partitions) {
        log.warn({ topic: name, partitions: partitions.length, configured: config.kafka.partitions }, 'existing topic has a different partition count; left as it is');
      }
    }
  }
  return { created: missing, existing };
}

/**
 * Makes sure the readings, dead-letter and alerts topics exist. Existing topics are left alone.
 * Unreachable brokers are retried per config.retry (a warning per attempt), then
 * RetriesExhaustedError; a refusal retrying cannot fix throws KafkaTopicError at once.
 */
export async function ensureTopics(config: TopicsConfig, log: Logger, options: { signal?: AbortSignal } = {}): Promise<TopicsReport> {
  const topicLog = log.child({ component: 'kafka-topics' });
  // One try per kafkajs request: the backoff between attempts is withRetry's.
  const kafka = createKafka(config, topicLog, 'admin', { retries: 1 });
  const report = await withRetry('set up Kafka topics', async () => {
    const admin = kafka.admin({ retry: { retries: 1 } });
    try {
      return await ensureOnce(admin, config, topicLog);
    } catch (err) {
      throw classify(err, appTopics(config));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }, config.retry, topicLog, { signal: options.signal });
  topicLog.info({
    ...report,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    minInsyncReplicas: config.kafka.minInsyncReplicas,
  }, 'Kafka topics ready');
  return report;
}
