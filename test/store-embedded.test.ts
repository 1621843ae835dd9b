// The embedded PostgreSQL fallback: starts on a free port in a fresh data directory, takes the
// migrations, survives a stale postmaster.pid, and never outlives its owner, even one SIGKILLed.
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/store/embedded.js';
import { migrate } from '../src/store/migrate.js';
import { ensureDatabase } from '../src/store/database.js';
import { freePort, openPool, silentLog, tempDirForPostgres, testConfig, waitForNoProcessesOf } from './support/database.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/embedded-child.ts');

let root: string;

beforeAll(async () => {
  root = await tempDirForPostgres();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('embedded PostgreSQL', () => {
  it('starts, accepts the migrations, restarts on its data, and leaves no process after stop', async () => {
    const dataDir = path.join(root, 'pg');
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir, port, log: silentLog });
    try {
      const url = server.url('heartbeat');
      expect(await ensureDatabase(url, testConfig(), silentLog)).toBe(true);
      expect((await migrate(url, testConfig(), silentLog)).length).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    await waitForNoProcessesOf(dataDir);

    // A crashed run leaves postmaster.pid behind, naming a pid that now belongs to another
    // process of the same user (PostgreSQL itself would refuse to start then).
    const squatter = process.getuid?.() === 0
      ? spawn('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', 'sleep', '600'])
      : spawn('sleep', ['600']);
    const squatterGone = new Promise((resolve) => squatter.once('exit', resolve));
    await writeFile(path.join(dataDir, 'postmaster.pid'), `${squatter.pid}\n${dataDir}\n`);
    let again: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
    try {
      again = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: silentLog });
    } finally {
      squatter.kill('SIGKILL');
      await squatterGone;
    }
    try {
      expect(await migrate(again.url('heartbeat'), testConfig(), silentLog)).toEqual([]);
      const pool = await openPool(again.url('heartbeat'));
      // stop() is a fast shutdown: a client still connected does not hold it up.
      await pool.query('SELECT 1');
      await again.stop();
      await pool.end().catch(() => undefined);
    } finally {
      await again.stop();
    }
    await waitForNoProcessesOf(dataDir);
  });

  it('stops when the process that started it is killed with SIGKILL', async () => {
    const dataDir = path.join(root, 'pg-killed');
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, String(await freePort())], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      void exited.then(() => reject(new Error('the fixture exited before the server started')));
    });
    const { url } = JSON.parse(line) as { url: string };
    const pool = await openPool(url);
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await pool.end();

    child.kill('SIGKILL');
    await exited;
    await waitForNoProcessesOf(dataDir);
  });
});
