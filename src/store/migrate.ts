// Versioned schema migrations: sql/NNN_description.sql applied in version order, each once, each in
// its own transaction, recorded in schema_migrations; safe when several processes start together.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MigrationChangedError, MigrationError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectClient, type DatabaseConfig } from './pool.js';

/** The migrations shipped with the app. */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql');

/** Key of the session advisory lock held while migrating (any constant works; this spells "hbmigr"). */
const LOCK_KEY = 0x68626d69677200n;

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  /** sha256 of the file's text. */
  checksum: string;
}

export interface MigrateOptions {
  /** Directory of the migration files (default: the app's sql/). */
  dir?: string;
}

const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/** Reads the migrations of a directory in version order; refuses two files with one version. */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (match === null) continue;
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]), name: match[2]!, file: path.join(dir, file), sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new MigrationError(migrations[i]!.file, `Two migration files have version ${migrations[i]!.version}: ${migrations[i - 1]!.file} and ${migrations[i]!.file}`);
    }
  }
  return migrations;
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

type Queryable = pg.Client | pg.PoolClient;

async function run(client: Queryable, migrations: Migration[], log: Logger): Promise<number[]> {
  // Held for the whole run: a second process waits here, then finds everything applied.
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY.toString()]);
  try {
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const applied = new Map(rows.map((r) => [r.version, r]));
    const known = new Set(migrations.map((m) => m.version));
    for (const row of rows) {
      if (!known.has(row.version)) log.warn({ version: row.version, name: row.name }, 'applied migration has no file here (a newer release applied it?)');
    }
    const done: number[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.version);
      if (previous !== undefined) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationChangedError(migration.file, `Migration ${migration.version} (${migration.file}) changed after it was applied (checksum ${migration.checksum.slice(0, 12)}, applied ${previous.checksum.slice(0, 12)}); add a new migration instead`);
        }
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(migration.file, `Migration ${migration.version} (${migration.file}) failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
      log.info({ version: migration.version, name: migration.name }, 'migration applied');
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY.toString()]).catch(() => undefined);
  }
}

/**
 * Applies the pending migrations to the database at `target` (a URL or a pool) and resolves with
 * the versions it applied (empty when up to date). Throws MigrationError (code MIGRATION_FAILED)
 * when one fails, MigrationChangedError (MIGRATION_CHANGED) when an applied file was edited.
 */
export async function migrate(target: string | pg.Pool, config: DatabaseConfig, log: Logger, options: MigrateOptions = {}): Promise<number[]> {
  const mlog = log.child({ component: 'migrate' });
  const migrations = await readMigrations(options.dir);
  const client = typeof target === 'string' ? await connectClient(target, config) : await target.connect();
  let broken = false;
  try {
    const applied = await run(client, migrations, mlog);
    mlog.info({ applied, total: migrations.length }, applied.length === 0 ? 'schema up to date' : 'schema migrated');
    return applied;
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    if (typeof target === 'string') await (client as pg.Client).end().catch(() => undefined);
    // A failed run may leave the session in a bad state: do not return it to the pool.
    else (client as pg.PoolClient).release(broken);
  }
}
