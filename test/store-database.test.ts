// Connecting and creating the database against the real PostgreSQL: a missing database is
// created (also with concurrent creators); an unreachable server is retried, then given up on.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseName, ensureDatabase, withDatabase } from '../src/store/database.js';
import { createPool } from '../src/store/pool.js';
import { freePort, openPool, silentLog, testConfig, TEST_SERVER_URL } from './support/database.js';

const created: string[] = [];

afterEach(async () => {
  const admin = await openPool(TEST_SERVER_URL, 1);
  for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

function newDatabaseUrl(): string {
  const name = `heartbeat_ensure_${randomBytes(5).toString('hex')}`;
  created.push(name);
  return withDatabase(TEST_SERVER_URL, name);
}

/** A logger that keeps its JSON lines, to check what a user would read. */
function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, text: () => JSON.stringify(lines) };
}

describe('ensureDatabase', () => {
  it('creates a missing database once; later calls find it', async () => {
    const url = newDatabaseUrl();
    expect(await ensureDatabase(url, testConfig(), silentLog)).toBe(true);
    expect(await ensureDatabase(url, testConfig(), silentLog)).toBe(false);
    const pool = await openPool(url);
    expect((await pool.query('SELECT current_database() AS name')).rows[0].name).toBe(databaseName(url));
    await pool.end();
  });

  it('tolerates concurrent creators: all succeed and exactly one created it', async () => {
    const url = newDatabaseUrl();
    const results = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(url, testConfig(), silentLog)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const pool = await openPool(url);
    await pool.end();
  });
});

describe('createPool', () => {
  it('retries an unreachable server with a warning per attempt, then gives up, never logging the password', async () => {
    const port = await freePort();
    const { log, lines, text } = capturingLog();
    const url = `postgres://postgres:s3cret-pw@127.0.0.1:${port}/heartbeat`;
    await expect(createPool(testConfig({ retries: 2 }), log, { url })).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' });
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings.every((w) => typeof w.delayMs === 'number')).toBe(true);
    expect(text()).not.toContain('s3cret-pw');
  });

  it('fails at once, without retrying, when the database does not exist', async () => {
    const { log, lines } = capturingLog();
    const url = withDatabase(TEST_SERVER_URL, `heartbeat_missing_${randomBytes(5).toString('hex')}`);
    await expect(createPool(testConfig({ retries: 5 }), log, { url })).rejects.toMatchObject({ code: 'CONNECTION_FAILED', retriable: false });
    expect(lines.filter((l) => l.level === 40)).toHaveLength(0);
  });

  it('logs a connection that dies while idle instead of crashing', async () => {
    const url = newDatabaseUrl();
    await ensureDatabase(url, testConfig(), silentLog);
    const { log, lines } = capturingLog();
    const pool = await createPool(testConfig(), log, { url, max: 1 });
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    client.release();
    const errored = new Promise<void>((resolve) => pool.once('error', () => resolve()));
    const admin = await openPool(TEST_SERVER_URL, 1);
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await admin.end();
    await errored;
    expect(lines.some((l) => l.level === 50 && l.component === 'store')).toBe(true);
    // The pool replaces the dead connection.
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await pool.end();
  });
});
