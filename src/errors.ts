// Every error class the application throws: a stable `code` for tests and logs, and a
// `retriable` flag that decides whether a failure is retried with backoff or surfaces at once.

export interface AppErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

/** Base of all application errors. Match on `code`, never on message text. */
export class AppError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration value is invalid; the message names the key, the value and what is allowed. */
export class ConfigError extends AppError {
  readonly key: string;
  constructor(key: string, message: string, options: AppErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
    this.key = key;
  }
}

/** A service (Kafka, PostgreSQL) could not be reached; retried with backoff until the bound. */
export class ConnectionError extends AppError {
  readonly service: string;
  constructor(service: string, message: string, options: AppErrorOptions = {}) {
    super('CONNECTION_FAILED', message, { retriable: true, ...options });
    this.service = service;
  }
}

/** Retries were exhausted: the process cannot go on without the service. */
export class RetriesExhaustedError extends AppError {
  constructor(operation: string, attempts: number, options: AppErrorOptions = {}) {
    super('RETRIES_EXHAUSTED', `${operation} failed after ${attempts} attempts`, options);
  }
}

/** The local Kafka broker could not be resolved, formatted or started. */
export class LocalBrokerError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('LOCAL_BROKER_FAILED', message, options);
  }
}

/** Kafka refused to create or describe the app's topics for a reason retrying will not fix (e.g. a replication factor above the broker count). */
export class KafkaTopicError extends AppError {
  readonly topic: string;
  constructor(topic: string, message: string, options: AppErrorOptions = {}) {
    super('KAFKA_TOPIC_FAILED', message, options);
    this.topic = topic;
  }
}

/** A Kafka batch could not be compressed or decompressed with its codec (the message names the codec and why). */
export class KafkaCodecError extends AppError {
  readonly codec: string;
  constructor(codec: string, message: string, options: AppErrorOptions = {}) {
    super('KAFKA_CODEC_FAILED', message, options);
    this.codec = codec;
  }
}

/** A migration failed to apply; the transaction was rolled back. */
export class MigrationError extends AppError {
  readonly migration: string;
  constructor(migration: string, message: string, options: AppErrorOptions = {}) {
    super('MIGRATION_FAILED', message, options);
    this.migration = migration;
  }
}

/** An applied migration's file changed since it was applied: the schema and the files disagree. */
export class MigrationChangedError extends AppError {
  readonly migration: string;
  constructor(migration: string, message: string, options: AppErrorOptions = {}) {
    super('MIGRATION_CHANGED', message, options);
    this.migration = migration;
  }
}

/** The embedded PostgreSQL could not be initialised or started. */
export class EmbeddedDatabaseError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('EMBEDDED_DATABASE_FAILED', message, options);
  }
}

/** A plugin in the plugins directory breaks the contract; start-up stops. The message names the file and the problem. */
export class PluginLoadError extends AppError {
  readonly file: string;
  constructor(file: string, message: string, options: AppErrorOptions = {}) {
    super('PLUGIN_INVALID', message, options);
    this.file = file;
  }
}

/** A plugin threw or overran its time budget on one reading or timer; the reading was still processed. */
export class PluginRuntimeError extends AppError {
  readonly pluginId: string;
  constructor(pluginId: string, message: string, options: AppErrorOptions = {}) {
    super('PLUGIN_FAILED', message, options);
    this.pluginId = pluginId;
  }
}

/**
 * A write to PostgreSQL failed. `retriable`: the server, the connection, a lock or the schema is at
 * fault (a retry, or an operator, fixes it; every row would fail alike). Otherwise the rows are at
 * fault (a data or constraint error, a trigger refusing them, a value that cannot be sent): the
 * writer isolates the rows responsible. Classified by SQLSTATE in src/store/write-errors.ts.
 */
export class StoreWriteError extends AppError {
  /** PostgreSQL's SQLSTATE (e.g. 22P02, 23514); undefined when the server never answered, or the batch could not be encoded. */
  readonly sqlstate: string | undefined;
  constructor(sqlstate: string | undefined, message: string, options: AppErrorOptions = {}) {
    super('STORE_WRITE_FAILED', message, options);
    this.sqlstate = sqlstate;
  }
}

/** The command line could not be understood. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** True when an error (or anything thrown) is worth retrying. */
export function isRetriable(error: unknown): boolean {
  return error instanceof AppError ? error.retriable : false;
}

/** The dashboard could not serve (its port is taken, or the address cannot be bound). */
export class DashboardError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('DASHBOARD_FAILED', message, options);
  }
}

/**
 * A recording given to `heartbeat replay` cannot be read: missing, not a known format, a broken
 * gzip stream, or its structure broken (e.g. malformed XML). The message names the file and, when
 * known, the line. A bad single row is not this: it is skipped and counted.
 */
export class ReplayInputError extends AppError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string, options: AppErrorOptions = {}) {
    super('REPLAY_INPUT_INVALID', `${file}${line === undefined ? '' : `:${line}`}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}
