// Choosing the database: the configured server when it answers; the embedded fallback only when
// the URL is the default and nothing answers; an explicit URL is waited for, never replaced.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigWithSources, type AppConfig } from '../src/config.js';
import { withDatabase } from '../src/store/database.js';
import { resolveDatabase } from '../src/store/resolve-database.js';
import { freePort, openPool, silentLog, tempDirForPostgres, TEST_SERVER_URL, waitForNoProcessesOf } from './support/database.js';

let root: string;

beforeAll(async () => {
  root = await tempDirForPostgres();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Config as loaded from `env`, with database.url replaced by `url` (keeping where it came from). */
async function load(env: Record<string, string>, url: string) {
  const dataDir = path.join(root, `pg-${randomBytes(4).toString('hex')}`);
  const { config, sources } = loadConfigWithSources({
    env: { DATABASE_EMBEDDED_DATA_DIR: dataDir, DATABASE_EMBEDDED_PORT: String(await freePort()), RETRY_RETRIES: '1', RETRY_MIN_DELAY_MS: '20', RETRY_MAX_DELAY_MS: '50', ...env },
    args: [], configDir: '/nonexistent-heartbeat-config',
  });
  const withUrl: AppConfig = { ...config, database: { ...config.database, url } };
  return { config: withUrl, sources, dataDir };
}

async function nowhere(): Promise<string> {
  return `postgres://postgres@127.0.0.1:${await freePort()}/heartbeat`;
}

describe('resolveDatabase', () => {
  it('uses the server at the default URL when one answers, creating the database', async () => {
    const name = `heartbeat_resolve_${randomBytes(5).toString('hex')}`;
    const { config, sources, dataDir } = await load({}, withDatabase(TEST_SERVER_URL, name));
    expect(sources['database.url']).toBe('default');
    const db = await resolveDatabase(config, sources, silentLog);
    try {
      expect(db.kind).toBe('server');
      const pool = await openPool(db.url);
      expect((await pool.query('SELECT current_database() AS name')).rows[0].name).toBe(name);
      await pool.end();
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await db.stop();
      const admin = await openPool(TEST_SERVER_URL, 1);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('falls back to the embedded server when the URL is the default and nothing answers', async () => {
    const { config, sources, dataDir } = await load({}, await nowhere());
    const db = await resolveDatabase(config, sources, silentLog);
    try {
      expect(db.kind).toBe('embedded');
      const pool = await openPool(db.url);
      expect((await pool.query('SELECT current_database() AS name')).rows[0].name).toBe('heartbeat');
      await pool.end();
    } finally {
      await db.stop();
    }
    await waitForNoProcessesOf(dataDir);
  });

  it('does not fall back when the fallback is disabled', async () => {
    const { config, sources, dataDir } = await load({ DATABASE_EMBEDDED_FALLBACK: 'false' }, await nowhere());
    await expect(resolveDatabase(config, sources, silentLog)).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('never replaces an explicitly set DATABASE_URL: retries, then fails', async () => {
    const url = await nowhere();
    const { config, sources, dataDir } = await load({ DATABASE_URL: url }, url);
    expect(sources['database.url']).toBe('env');
    await expect(resolveDatabase(config, sources, silentLog)).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' });
    expect(existsSync(dataDir)).toBe(false);
  });
});
