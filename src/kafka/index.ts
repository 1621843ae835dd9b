// The Kafka part's public surface: clients, topics, and the local broker launcher.
export { createKafka, pinoLogCreator, plainClientConfig, type ClientRetry, type KafkaClientConfig } from './client.js';
export { ensureTopics, appTopics, type TopicsConfig, type TopicsReport } from './topics.js';
export { ensureKafka, localClusterOptions, type KafkaConnection } from './local-broker.js';
export { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.js';
export { runKafkaForeground, type ForegroundOptions } from './foreground.js';
export { resolveKafkaLibs, kafkaCacheDir } from './artifacts.js';
export { portAnswers, firstAnswering } from './probe.js';
export { createLagReader, type LagReader, type PartitionLag } from './lag.js';
export { countMessagesSince } from './messages-since.js';
