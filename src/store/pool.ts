// PostgreSQL connection pools: TLS from config, a first connection that waits (with backoff) for
// a server that comes up later, and pool errors logged instead of crashing the process.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { AppConfig } from '../config.js';
import { ConnectionError } from '../errors.js';
import type { Logger } from '../log.js';
import { redactUrl } from '../redact.js';
import { withRetry } from '../retry.js';

/** The part of the configuration a connection needs. */
export type DatabaseConfig = Pick<AppConfig, 'database' | 'retry'>;

export interface CreatePoolOptions {
  /** Database URL (default: config.database.url). */
  url?: string;
  /** Most connections (default: config.database.poolSize). */
  max?: number;
  /** Stops waiting for the server, e.g. on shutdown. */
  signal?: AbortSignal;
}

/** Connection settings shared by pools and single clients: URL, TLS, connect timeout. */
export function clientOptions(url: string, config: Pick<AppConfig, 'database'>): pg.ClientConfig {
  const { ssl } = config.database;
  let tls: ConnectionOptions | undefined;
  if (ssl.enabled) {
    tls = { rejectUnauthorized: ssl.rejectUnauthorized };
    if (ssl.caFile !== '') tls.ca = readFileSync(ssl.caFile, 'utf8');
  }
  return { connectionString: url, ssl: tls, connectionTimeoutMillis: config.database.connectTimeoutMs };
}

/** SQLSTATE classes that a retry cannot fix: bad credentials (28) and a missing database (3D). */
const PERMANENT_CLASSES = new Set(['28', '3D']);

/** True when an error came from a PostgreSQL server (it has a SQLSTATE), i.e. something answered. */
export function isServerError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E');
}

/**
 * Wraps a failure to connect in a ConnectionError: retriable unless the server refused us for a
 * reason a retry cannot fix. The message names the redacted URL, never the password.
 */
export function toConnectionError(error: unknown, url: string): ConnectionError {
  const retriable = !(isServerError(error) && PERMANENT_CLASSES.has(error.code.slice(0, 2)));
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectionError('postgresql', `Cannot connect to PostgreSQL at ${redactUrl(url)}: ${reason}`, { cause: error, retriable });
}

/** Opens one client (no retry); the caller ends it. */
export async function connectClient(url: string, config: Pick<AppConfig, 'database'>): Promise<pg.Client> {
  const client = new pg.Client(clientOptions(url, config));
  // An error on an idle client (server restart) must not become an uncaught exception.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toConnectionError(error, url);
  }
  return client;
}

/**
 * Creates a pool and waits, with backoff, until one connection succeeds. Past the retry bound it
 * throws RetriesExhaustedError; bad credentials or a missing database fail at once.
 */
export async function createPool(config: DatabaseConfig, log: Logger, options: CreatePoolOptions = {}): Promise<pg.Pool> {
  const url = options.url ?? config.database.url;
  const plog = log.child({ component: 'store' });
  const pool = new pg.Pool({ ...clientOptions(url, config), max: options.max ?? config.database.poolSize });
  // A connection that dies while idle (server restart, network) emits 'error' on the pool; the
  // next query gets a fresh connection, so this is worth a log line, not a crash.
  pool.on('error', (err) => plog.error({ err, url: redactUrl(url) }, 'idle PostgreSQL connection failed'));
  try {
    await withRetry('connect to PostgreSQL', async () => {
      const client = await pool.connect().catch((error: unknown) => {
        throw toConnectionError(error, url);
      });
      client.release();
    }, config.retry, plog, { signal: options.signal });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}
