// Migrations against the real PostgreSQL: applied once, idempotent, safe from two processes at
// once, and refusing an edited or broken migration.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, migrate, readMigrations } from '../src/store/migrate.js';
import { createTestDatabase, openPool, silentLog, testConfig, type TestDatabase } from './support/database.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/migrate-child.ts');

let db: TestDatabase;
let pool: pg.Pool | undefined;
let dir: string | undefined;

beforeEach(async () => {
  db = await createTestDatabase({ migrated: false });
});

afterEach(async () => {
  await pool?.end();
  pool = undefined;
  await db.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function recorded(): Promise<Array<{ version: number; name: string; checksum: string }>> {
  pool ??= await openPool(db.url);
  return (await pool.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
}

/** Starts the fixture; resolves with the child once it is ready, and with its output when done. */
function startChild(url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const out: string[] = [];
  const ready = new Promise<void>((resolve) => lines.on('line', (line) => (line === 'ready' ? resolve() : out.push(line))));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, out };
}

describe('migrate', () => {
  it('applies every migration once, in order, and a second run applies nothing', async () => {
    const files = await readMigrations();
    expect(files.length).toBeGreaterThan(0);
    const first = await migrate(db.url, testConfig(), silentLog);
    expect(first).toEqual(files.map((m) => m.version));
    const second = await migrate(db.url, testConfig(), silentLog);
    expect(second).toEqual([]);
    expect(await recorded()).toEqual(files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
  });

  it('accepts a pool as the target', async () => {
    pool = await openPool(db.url);
    const applied = await migrate(pool, testConfig(), silentLog);
    expect(applied.length).toBe((await readMigrations()).length);
    expect(await migrate(pool, testConfig(), silentLog)).toEqual([]);
  });

  it('lets two processes migrate the same fresh database at once: both succeed, each migration recorded once', async () => {
    const a = startChild(db.url);
    const b = startChild(db.url);
    await Promise.all([a.ready, b.ready]);
    a.child.stdin!.write('go\n');
    b.child.stdin!.write('go\n');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const results = [a, b].map((c) => (JSON.parse(c.out[0]!) as { applied: number[] }).applied);
    const versions = (await readMigrations()).map((m) => m.version);
    // One process applied everything; the other waited on the lock and found nothing to do.
    expect(results.map((r) => r.length).sort((x, y) => x - y)).toEqual([0, versions.length]);
    expect((await recorded()).map((r) => r.version)).toEqual(versions);
  });

  it('refuses to run when an applied migration file changed', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'heartbeat-sql-'));
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    await migrate(db.url, testConfig(), silentLog, { dir });
    const [, second] = await readMigrations(dir);
    await appendFile(second!.file, '\n-- edited after it was applied\n');
    await expect(migrate(db.url, testConfig(), silentLog, { dir })).rejects.toMatchObject({ code: 'MIGRATION_CHANGED', migration: second!.file });
  });

  it('rolls back a failing migration, records nothing of it, and names it', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'heartbeat-sql-'));
    await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE first_table (id int);');
    await writeFile(path.join(dir, '002_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();');
    await expect(migrate(db.url, testConfig(), silentLog, { dir })).rejects.toMatchObject({ code: 'MIGRATION_FAILED', migration: path.join(dir, '002_broken.sql') });
    expect((await recorded()).map((r) => r.version)).toEqual([1]);
    const tables = await pool!.query(`SELECT to_regclass('first_table') AS first, to_regclass('half_done') AS half`);
    expect(tables.rows[0]).toEqual({ first: 'first_table', half: null });
  });

  it('refuses two files with the same version', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'heartbeat-sql-'));
    await writeFile(path.join(dir, '001_a.sql'), 'SELECT 1;');
    await writeFile(path.join(dir, '001_b.sql'), 'SELECT 2;');
    await expect(migrate(db.url, testConfig(), silentLog, { dir })).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
  });
});
