// Builds the kafkajs client from the config: TLS, SASL, timeouts, its logs routed into pino, and
// the snappy, lz4 and zstd codecs registered (codecs.ts) so it reads batches of any producer.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Kafka, logLevel, type ISocketFactory, type LogEntry, type SASLOptions } from 'kafkajs';
import type { AppConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerCompressionCodecs } from './codecs.js';

/** The part of the config a Kafka client needs (a whole AppConfig will do). */
export interface KafkaClientConfig {
  readonly kafka: Pick<AppConfig['kafka'], 'brokers' | 'clientId' | 'connectionTimeoutMs' | 'ssl' | 'sasl'>;
}

/** A plaintext, unauthenticated client config for `brokers` (the local broker). */
export function plainClientConfig(brokers: readonly string[], clientId = 'heartbeat'): KafkaClientConfig {
  return {
    kafka: {
      brokers: [...brokers], clientId, connectionTimeoutMs: 1000,
      ssl: { enabled: false, caFile: '', rejectUnauthorized: true },
      sasl: { mechanism: 'none', username: '', password: '' },
    },
  };
}

/** kafkajs's own retry for one request. Kept modest: reconnecting with backoff is src/retry.ts's job. */
export interface ClientRetry {
  retries: number;
  initialRetryTime: number;
  maxRetryTime: number;
}

const DEFAULT_RETRY: ClientRetry = { retries: 5, initialRetryTime: 250, maxRetryTime: 5000 };

function kafkajsLevel(level: string): logLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/**
 * Broker answers kafkajs logs as errors although they are the normal course of a consumer group
 * and kafkajs retries them: every worker that joins or leaves makes the others' heartbeats answer
 * "rebalancing", and a broker just started answers "coordinator is loading" / "not available"
 * until its internal topics are loaded (every first `npm start`). Logged as info, so an error line
 * in logs/ means something an operator should look at; a coordinator that never comes fails the
 * worker, which is logged as an error.
 */
const ROUTINE_BROKER_ANSWERS = /group is rebalancing|rejoin is needed|coordinator is loading|coordinator is not available/i;

/**
 * kafkajs warns whenever an idempotent producer has bounded retries, which ours have on purpose (the
 * client's retries: 5): a send that keeps failing is handed back to the caller's own backoff
 * instead of blocking forever. A batch sent again after that may be stored twice on the topic,
 * which is what the warning is about; readings are deduplicated by the consumer, and the alerts and
 * dead-letter topics are at least once by design (docs/reliability.md, Guarantees). Logged as info, not as a
 * warning on every start-up and every replay.
 */
const BOUNDED_IDEMPOTENT_RETRIES = 'Limiting retries for the idempotent producer';

/** A kafkajs logCreator writing to `log` (component kafka, the kafkajs namespace in the object). */
export function pinoLogCreator(log: Logger): () => (entry: LogEntry) => void {
  const child = log.child({ component: 'kafka' });
  // kafkajs logs a consumer's restartable crash as "Crash: <error>" and then "Restarting the
  // consumer in Xms", both as errors. After a routine answer (the coordinator still loading, on a
  // first start) the two are routine too; after anything else the crash stays an error and the
  // restart, which kafkajs does by itself, is a warning.
  let lastCrashRoutine = false;
  return () => ({ namespace, level, log: entry }) => {
    // timestamp and logger duplicate pino's own fields.
    const { message, timestamp: _t, logger: _l, ...extra } = entry;
    const data = { namespace, ...extra };
    if (level === logLevel.ERROR) {
      if (message.startsWith('Crash: ')) {
        lastCrashRoutine = ROUTINE_BROKER_ANSWERS.test(message);
        if (lastCrashRoutine) child.info(data, message);
        else child.error(data, message);
      } else if (message.startsWith('Restarting the consumer')) {
        if (lastCrashRoutine) child.info(data, message);
        else child.warn(data, message);
      } else if (ROUTINE_BROKER_ANSWERS.test(String(extra.error ?? ''))) child.info(data, message);
      else child.error(data, message);
    } else if (level === logLevel.WARN) {
      // "The group is rebalancing, re-joining" comes as a warning too when a worker joins.
      if (message.startsWith(BOUNDED_IDEMPOTENT_RETRIES) || ROUTINE_BROKER_ANSWERS.test(String(extra.error ?? ''))) child.info(data, message);
      else child.warn(data, message);
    }
    else if (level === logLevel.INFO) child.info(data, message);
    else child.debug(data, message);
  };
}

function ssl(config: KafkaClientConfig): { ca?: string[]; rejectUnauthorized: boolean } | undefined {
  const { enabled, caFile, rejectUnauthorized } = config.kafka.ssl;
  if (!enabled) return undefined;
  if (caFile === '') return { rejectUnauthorized };
  try {
    return { ca: [readFileSync(caFile, 'utf8')], rejectUnauthorized };
  } catch (cause) {
    throw new ConfigError('kafka.ssl.caFile', `Invalid config kafka.ssl.caFile = ${JSON.stringify(caFile)}: allowed is a readable PEM file (${(cause as Error).message})`, { cause });
  }
}

function sasl(config: KafkaClientConfig): SASLOptions | undefined {
  const { mechanism, username, password } = config.kafka.sasl;
  if (mechanism === 'none') return undefined;
  if (mechanism === 'plain') return { mechanism, username, password };
  if (mechanism === 'scram-sha-256') return { mechanism, username, password };
  if (mechanism === 'scram-sha-512') return { mechanism, username, password };
  throw new ConfigError('kafka.sasl.mechanism', `Invalid config kafka.sasl.mechanism = ${JSON.stringify(mechanism)}: allowed is none, plain, scram-sha-256 or scram-sha-512`);
}

/** TCP keep-alive of broker connections (kafkajs's own value). */
const SOCKET_KEEP_ALIVE_MS = 60_000;

/**
 * kafkajs's socket factory with Nagle's algorithm off. kafkajs leaves it on, so a small request
 * written while an earlier one on the same connection is unacknowledged (a produce behind a
 * produce, an offset commit behind a heartbeat) can wait for the broker's delayed ACK, up to
 * 40 ms on Linux. Kafka's Java clients and brokers and the pg driver all set TCP_NODELAY; here it
 * lowers the tail of the end-to-end latency (figures in BENCHMARKS.md).
 */
const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl: tlsOptions, onConnect }) => {
  const socket = tlsOptions
    ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...tlsOptions }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, SOCKET_KEEP_ALIVE_MS);
  socket.setNoDelay(true);
  return socket;
};

/**
 * A kafkajs client for config.kafka.brokers. `clientIdSuffix` tells the brokers (and their logs)
 * which part of the app is connecting, e.g. `worker-3`. The client itself opens no connection.
 * Every client is made here, so this is where the codecs kafkajs lacks get registered.
 */
export function createKafka(config: KafkaClientConfig, log: Logger, clientIdSuffix?: string, retry: Partial<ClientRetry> = {}): Kafka {
  registerCompressionCodecs();
  return new Kafka({
    clientId: clientIdSuffix === undefined || clientIdSuffix === '' ? config.kafka.clientId : `${config.kafka.clientId}-${clientIdSuffix}`,
    brokers: [...config.kafka.brokers],
    ssl: ssl(config),
    sasl: sasl(config),
    connectionTimeout: config.kafka.connectionTimeoutMs,
    retry: { ...DEFAULT_RETRY, ...retry },
    socketFactory: noDelaySocketFactory,
    logLevel: kafkajsLevel(log.level),
    logCreator: pinoLogCreator(log),
  });
}
