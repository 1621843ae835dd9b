// Creates the application's database when it is missing, through the server's maintenance
// database, tolerating another process that creates it at the same moment.
import type { Logger } from '../log.js';
import { redactUrl } from '../redact.js';
import { withRetry } from '../retry.js';
import { connectClient, isServerError, type DatabaseConfig } from './pool.js';

/** SQLSTATEs a racing CREATE DATABASE raises: duplicate_database, or unique_violation on pg_database. */
const ALREADY_CREATED = new Set(['42P04', '23505']);
/** SQLSTATE of a connection to a database that does not exist. */
const INVALID_CATALOG_NAME = '3D000';

/** The database name of a URL (postgres://host/name -> name). */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The same URL pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export interface EnsureDatabaseOptions {
  /** Stops waiting for the server, e.g. on shutdown. */
  signal?: AbortSignal;
}

/**
 * Makes sure the database named in `url` exists, creating it through the maintenance database
 * `postgres` of the same server. Waits for the server with backoff (config.retry).
 * Resolves true when this call created it.
 */
export async function ensureDatabase(url: string, config: DatabaseConfig, log: Logger, options: EnsureDatabaseOptions = {}): Promise<boolean> {
  const name = databaseName(url);
  const maintenanceUrl = withDatabase(url, 'postgres');
  const dlog = log.child({ component: 'store' });
  // The database itself first: when it exists, no access to the maintenance database is needed
  // (managed servers often grant none).
  const exists = await withRetry('connect to PostgreSQL', async () => {
    try {
      await (await connectClient(url, config)).end();
      return true;
    } catch (error) {
      const cause = (error as Error).cause;
      if (isServerError(cause) && cause.code === INVALID_CATALOG_NAME) return false;
      throw error;
    }
  }, config.retry, dlog, options);
  if (exists) return false;
  const client = await withRetry('connect to PostgreSQL', () => connectClient(maintenanceUrl, config), config.retry, dlog, options);
  try {
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } catch (error) {
      // Another process created it between our check and our CREATE: that is what we wanted.
      if (isServerError(error) && ALREADY_CREATED.has(error.code)) return false;
      throw error;
    }
    dlog.info({ database: name, url: redactUrl(url) }, 'database created');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}
