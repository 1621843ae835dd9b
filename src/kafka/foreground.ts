// `heartbeat kafka [--nodes 3]`: runs the local broker (or cluster) until SIGINT/SIGTERM, then stops it.
import { once } from 'node:events';
import type { AppConfig } from '../config.js';
import type { Logger } from '../log.js';
import { localClusterOptions } from './local-broker.js';
import { startLocalCluster } from './local-cluster.js';

export interface ForegroundOptions {
  /** 1 (default) or 3. */
  nodes?: number;
  /** Ends the run when aborted; without it, SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

/** Waits for `signal` to abort, or for SIGINT/SIGTERM when no signal is given. */
async function untilStopped(signal: AbortSignal | undefined): Promise<string> {
  if (signal !== undefined) {
    if (!signal.aborted) await once(signal, 'abort');
    return 'aborted';
  }
  const controller = new AbortController();
  const received = await Promise.race([
    once(process, 'SIGINT', { signal: controller.signal }).then(() => 'SIGINT'),
    once(process, 'SIGTERM', { signal: controller.signal }).then(() => 'SIGTERM'),
  ]);
  controller.abort();
  return received;
}

/**
 * Starts the local Kafka cluster on the configured address and keeps it running until stopped
 * (signal or SIGINT/SIGTERM), then stops it and resolves. Rejects with LocalBrokerError when a
 * node fails to start or exits on its own.
 */
export async function runKafkaForeground(config: Pick<AppConfig, 'kafka'>, log: Logger, options: ForegroundOptions = {}): Promise<void> {
  const kafkaLog = log.child({ component: 'local-kafka' });
  const cluster = await startLocalCluster(localClusterOptions(config, kafkaLog, options.nodes ?? 1, options.signal));
  kafkaLog.info({ brokers: cluster.brokers, root: cluster.root }, 'local Kafka running; Ctrl-C stops it');
  // The broker processes are unref'd and signal listeners do not count: without a ref'd handle
  // Node would exit here, and the brokers with it.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  let outcome: string | Error;
  try {
    outcome = await Promise.race([untilStopped(options.signal), cluster.crashed]);
  } finally {
    clearInterval(keepAlive);
  }
  await cluster.stop();
  if (outcome instanceof Error) throw outcome;
  kafkaLog.info({ reason: outcome }, 'local Kafka stopped');
}
