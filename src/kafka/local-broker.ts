// Finds Kafka for the app: the configured brokers when they answer, else a local broker started
// on the configured address (kafka.local.autoStart), else a clear failure after retrying.
import type { AppConfig } from '../config.js';
import { ConnectionError, LocalBrokerError } from '../errors.js';
import type { Logger } from '../log.js';
import { withRetry } from '../retry.js';
import { kafkaCacheDir } from './artifacts.js';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.js';
import { firstAnswering, parseAddress } from './probe.js';

/** The brokers the app should use, and how to release them. */
export interface KafkaConnection {
  brokers: string[];
  /** True when this process started the broker (and stop() stops it). */
  startedLocally: boolean;
  /** Stops the local broker if this process started one; otherwise does nothing. */
  stop(): Promise<void>;
  /** The local cluster when one was started (fault tests stop and restart its nodes). */
  cluster?: LocalCluster;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Options of a local cluster taken from config.kafka.local, on the host and port of the first configured broker. */
export function localClusterOptions(config: Pick<AppConfig, 'kafka'>, log: Logger, nodes: number, signal?: AbortSignal): LocalClusterOptions {
  const first = config.kafka.brokers[0];
  if (first === undefined) throw new LocalBrokerError('kafka.brokers is empty: no address to start a local broker on');
  const { host, port } = parseAddress(first);
  if (!LOOPBACK.has(host)) {
    throw new LocalBrokerError(`A local broker only binds to this machine's loopback address; kafka.brokers starts with ${first}`);
  }
  const { local } = config.kafka;
  return {
    nodes, host, basePort: port, dataDir: local.dataDir, version: local.version, cacheDir: kafkaCacheDir(local.cacheDir),
    heapMb: local.heapMb, startTimeoutMs: local.startTimeoutMs, log, signal,
  };
}

/**
 * Uses the brokers at config.kafka.brokers if any answers (starting nothing); else, with
 * kafka.local.autoStart, starts a local broker at the first address; else waits for them per
 * config.retry and fails with RetriesExhaustedError (cause: ConnectionError) past the bound.
 */
export async function ensureKafka(config: Pick<AppConfig, 'kafka' | 'retry'>, log: Logger, options: { signal?: AbortSignal } = {}): Promise<KafkaConnection> {
  const kafkaLog = log.child({ component: 'local-kafka' });
  const { brokers, local } = config.kafka;
  if ((await firstAnswering(brokers)) !== undefined) {
    kafkaLog.info({ brokers }, 'Kafka answers at the configured brokers; no local broker started');
    return { brokers: [...brokers], startedLocally: false, stop: async () => undefined };
  }
  if (local.autoStart) {
    kafkaLog.info({ brokers, dataDir: local.dataDir, version: local.version }, 'no Kafka answers; starting a local broker');
    const cluster = await startLocalCluster(localClusterOptions(config, kafkaLog, 1, options.signal));
    return { brokers: cluster.brokers, startedLocally: true, stop: () => cluster.stop(), cluster };
  }
  await withRetry('reach Kafka', async () => {
    if ((await firstAnswering(brokers)) !== undefined) return;
    throw new ConnectionError('kafka', `No Kafka broker answers at ${brokers.join(', ')} and kafka.local.autoStart is false: start one (heartbeat kafka) or set KAFKA_BROKERS`);
  }, config.retry, kafkaLog, { signal: options.signal });
  kafkaLog.info({ brokers }, 'Kafka answers at the configured brokers');
  return { brokers: [...brokers], startedLocally: false, stop: async () => undefined };
}
