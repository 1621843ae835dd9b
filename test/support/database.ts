// A database of its own for each integration test file: a fast copy of a template database that
// holds the migrated schema, built once per schema version (named by a hash of sql/).
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createBootLogger, type Logger } from '../../src/log.js';
import { withDatabase } from '../../src/store/database.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { createPool } from '../../src/store/pool.js';
import { waitUntil } from './poll.js';

/** The server the test databases are made on. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A per-file database; drop() removes it (and disconnects anything still connected). */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** false: an empty database, for migration tests (default: migrated). */
  migrated?: boolean;
}

/** Default configuration (no files, no env) with a short retry policy, for the store's functions. */
export function testConfig(overrides: { retries?: number } = {}): AppConfig {
  const config = loadConfig({ env: {}, args: [], configDir: '/nonexistent-heartbeat-config' });
  return { ...config, retry: { ...config.retry, retries: overrides.retries ?? 2, minDelayMs: 50, maxDelayMs: 200 } };
}

/** A logger that writes nothing (tests assert on behaviour, not on these lines). */
export const silentLog: Logger = createBootLogger('silent');

/** Opens a small pool on `url`; the caller ends it. */
export function openPool(url: string, max = 2): Promise<pg.Pool> {
  return createPool(testConfig(), silentLog, { url, max });
}

/** Key of the advisory lock that serialises template builds across parallel test files. */
const TEMPLATE_LOCK = 0x68627465737400n;

async function templateName(): Promise<string> {
  const hash = createHash('sha256');
  for (const m of await readMigrations()) hash.update(`${m.version}:${m.name}:${m.checksum}\n`);
  return `heartbeat_tmpl_${hash.digest('hex').slice(0, 16)}`;
}

async function ensureTemplate(admin: pg.Pool, name: string): Promise<void> {
  const client = await admin.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK.toString()]);
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [name]);
    if (found.rowCount !== 0) return;
    // Built under another name and renamed when complete, so a crashed build is never copied.
    const building = `${name}_build`;
    await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${building}`);
    await migrate(withDatabase(TEST_SERVER_URL, building), testConfig(), silentLog);
    await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    await client.query(`ALTER DATABASE ${name} IS_TEMPLATE true`);
    // Templates of older schema versions are no longer copied by this checkout: drop them (one
    // still being copied elsewhere refuses, and is left for a later run).
    const stale = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'heartbeat\\_tmpl\\_%' AND datname NOT LIKE '%\\_build' AND datname <> $1`, [name]);
    for (const { datname } of stale.rows) {
      await client.query(`ALTER DATABASE ${datname} IS_TEMPLATE false`);
      await client.query(`DROP DATABASE ${datname}`).catch(() => undefined);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK.toString()]).catch(() => undefined);
    client.release();
  }
}

/** Creates a fresh database for one test file (migrated unless `migrated: false`). */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `heartbeat_test_${randomBytes(6).toString('hex')}`;
  const admin = await createPool(testConfig(), silentLog, { url: TEST_SERVER_URL, max: 1 });
  try {
    if (options.migrated === false) {
      await admin.query(`CREATE DATABASE ${name}`);
    } else {
      const template = await templateName();
      await ensureTemplate(admin, template);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(TEST_SERVER_URL, name),
    async drop() {
      const pool = await createPool(testConfig(), silentLog, { url: TEST_SERVER_URL, max: 1 });
      try {
        await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await pool.end();
      }
    },
  };
}

export { freePort } from './ports.js';

/** A temporary directory the `postgres` user can traverse (mkdtemp makes 0700 directories). */
export async function tempDirForPostgres(): Promise<string> {
  const { mkdtemp, chmod } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(tmpdir(), 'heartbeat-pg-test-'));
  await chmod(dir, 0o755);
  return dir;
}

/**
 * Resolves once no process runs in or names `dataDir` (postmaster, backends, guard), or rejects
 * after timeoutMs. Another process's exit cannot be awaited, so this polls /proc.
 */
export async function waitForNoProcessesOf(dataDir: string, timeoutMs = 30_000): Promise<void> {
  const { processesIn } = await import('../../src/store/embedded.js');
  const { processesMatching } = await import('./app.js');
  let left: number[] = [];
  await waitUntil(async () => {
    left = [...await processesIn(dataDir), ...await processesMatching(`-D ${dataDir}`)];
    return left.length === 0 ? true : undefined;
  }, timeoutMs, () => `the processes of ${dataDir} to exit (still running: ${left.join(', ')})`);
}
