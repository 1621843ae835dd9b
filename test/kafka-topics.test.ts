// ensureTopics against the real broker: configured partitions and min.insync.replicas, idempotent
// re-runs, retries while the broker is not up yet, and failures that retrying cannot fix.
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../src/config.js';
import { AppError } from '../src/errors.js';
import { createKafka } from '../src/kafka/client.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { freePortRange, memoryLogger, startTempCluster, testConfig, uniqueTopic } from './support/kafka.js';

function topicsConfig(overrides: { partitions?: number; replicationFactor?: number; brokers?: string[]; retry?: Partial<AppConfig['retry']> } = {}, names = {
  readings: uniqueTopic('readings'), deadLetter: uniqueTopic('dlq'), alerts: uniqueTopic('alerts'),
}): AppConfig {
  const base = testConfig();
  return testConfig({
    kafka: {
      topics: names,
      partitions: overrides.partitions ?? 4,
      replicationFactor: overrides.replicationFactor ?? 1,
      minInsyncReplicas: 1,
      brokers: overrides.brokers ?? base.kafka.brokers,
    },
    retry: { retries: 3, minDelayMs: 50, maxDelayMs: 200, factor: 2, ...overrides.retry },
  });
}

const isRetryWarning = (l: { msg?: string }) => l.msg === 'attempt failed; retrying after backoff';

describe('ensureTopics', () => {
  it('creates the readings, dead-letter and alerts topics with the configured partitions and min.insync.replicas', async () => {
    const config = topicsConfig({ partitions: 4 });
    const { log } = memoryLogger();
    const report = await ensureTopics(config, log);
    const { readings, deadLetter, alerts } = config.kafka.topics;
    expect(report.created.sort()).toEqual([readings, deadLetter, alerts].sort());

    const admin = createKafka(config, log, 'test').admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [readings, deadLetter, alerts] });
      expect(topics.map((t) => t.partitions.length)).toEqual([4, 4, 4]);
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: readings, configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      expect(described.resources[0]!.configEntries[0]!.configValue).toBe('1');
    } finally {
      await admin.disconnect();
    }
  });

  it('leaves existing topics alone and warns when their partition count differs', async () => {
    const first = topicsConfig({ partitions: 2 });
    await ensureTopics(first, memoryLogger().log);
    const again = topicsConfig({ partitions: 6 }, first.kafka.topics);
    const { log, lines } = memoryLogger();
    const report = await ensureTopics(again, log);
    expect(report.created).toEqual([]);
    expect(report.existing).toHaveLength(3);
    const warnings = lines.filter((l) => l.msg === 'existing topic has a different partition count; left as it is');
    expect(warnings.map((w) => [w.partitions, w.configured])).toEqual([[2, 6], [2, 6], [2, 6]]);
  });

  it('fails at once with KAFKA_TOPIC_FAILED when the broker refuses the replication factor', async () => {
    const { log, lines } = memoryLogger();
    const error = await ensureTopics(topicsConfig({ replicationFactor: 3 }), log).catch((err: unknown) => err);
    expect((error as AppError).code).toBe('KAFKA_TOPIC_FAILED');
    expect(lines.filter(isRetryWarning)).toEqual([]);
  });

  it('gives up with RETRIES_EXHAUSTED when no broker ever answers', async () => {
    const port = await freePortRange(1);
    const { log, lines } = memoryLogger();
    const error = await ensureTopics(topicsConfig({ brokers: [`127.0.0.1:${port}`], retry: { retries: 2 } }), log).catch((err: unknown) => err);
    expect((error as AppError).code).toBe('RETRIES_EXHAUSTED');
    expect(((error as AppError).cause as AppError).code).toBe('CONNECTION_FAILED');
    expect(lines.filter(isRetryWarning)).toHaveLength(2);
  });

  it('retries until a broker that starts after the app answers, logging each retry with its delay', async () => {
    const { log, lines, waitFor } = memoryLogger();
    const clusterLog = memoryLogger('info').log;
    const port = await freePortRange(2);
    const config = topicsConfig({ brokers: [`127.0.0.1:${port}`], retry: { retries: 100, minDelayMs: 100, maxDelayMs: 1000 } });
    const ensured = ensureTopics(config, log);
    // Start the broker only once the app has seen it missing and backed off twice.
    await waitFor((l) => isRetryWarning(l) && l.attempt === 2);
    const cluster = await startTempCluster(clusterLog, { basePort: port });
    try {
      expect(cluster.brokers).toEqual([`127.0.0.1:${port}`]);
      const report = await ensured;
      expect(report.created).toHaveLength(3);
    } finally {
      await cluster.stop();
    }
    const retries = lines.filter(isRetryWarning);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const r of retries) expect(r.delayMs).toEqual(expect.any(Number));
    expect(lines.some((l) => l.msg === 'Kafka topics ready')).toBe(true);
  });
});
