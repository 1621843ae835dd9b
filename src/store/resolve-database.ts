// Decides which PostgreSQL the app uses: the configured server, or, when the URL is the default
// and nothing answers there, the embedded fallback. Either way the database exists afterwards.
import type { AppConfig, ValueSource } from '../config.js';
import type { Logger } from '../log.js';
import { redactUrl } from '../redact.js';
import { databaseName, ensureDatabase } from './database.js';
import { startEmbeddedPostgres } from './embedded.js';
import { connectClient, isServerError } from './pool.js';

/** The database the app ended up with. */
export interface ResolvedDatabase {
  /** URL of the application database (credentials included; log it through redactUrl). */
  url: string;
  kind: 'server' | 'embedded';
  /** Stops the embedded server; nothing to do for an external server. */
  stop(): Promise<void>;
}

export interface ResolveOptions {
  /** Stops waiting for the server, e.g. on shutdown. */
  signal?: AbortSignal;
}

/** True when a PostgreSQL server answers at `url`, even if only to refuse us (e.g. database missing). */
export async function serverAnswers(url: string, config: Pick<AppConfig, 'database'>): Promise<boolean> {
  try {
    const client = await connectClient(url, config);
    await client.end().catch(() => undefined);
    return true;
  } catch (error) {
    return isServerError((error as Error).cause);
  }
}

/**
 * Resolves the database to use (see the file header). An explicitly configured database.url is
 * never replaced by the embedded server: it is waited for with backoff, then fails with
 * RetriesExhaustedError. `sources` comes from loadConfigWithSources.
 */
export async function resolveDatabase(config: AppConfig, sources: Readonly<Record<string, ValueSource>>, log: Logger, options: ResolveOptions = {}): Promise<ResolvedDatabase> {
  const rlog = log.child({ component: 'store' });
  const configured = config.database.url;
  const isDefault = sources['database.url'] === 'default';
  if (isDefault && config.database.embedded.fallback && !(await serverAnswers(configured, config))) {
    rlog.info({ url: redactUrl(configured) }, 'no PostgreSQL answers at the default URL; starting the embedded one');
    const embedded = await startEmbeddedPostgres({ dataDir: config.database.embedded.dataDir, port: config.database.embedded.port, log });
    const url = embedded.url(databaseName(configured));
    try {
      await ensureDatabase(url, config, log, options);
    } catch (error) {
      await embedded.stop();
      throw error;
    }
    rlog.info({ kind: 'embedded', url: redactUrl(url) }, 'database in use');
    return { url, kind: 'embedded', stop: () => embedded.stop() };
  }
  await ensureDatabase(configured, config, log, options);
  rlog.info({ kind: 'server', url: redactUrl(configured) }, 'database in use');
  return { url: configured, kind: 'server', stop: async () => undefined };
}
