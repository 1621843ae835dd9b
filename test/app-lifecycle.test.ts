// The app as a user runs it: `heartbeat start` brings the pipeline up, Ctrl-C (SIGINT) stops it
// with exit 0 and nothing left running, logs land in rotating files with thread context and
// without secrets, and a bad config value stops start-up with one line.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { processesMatching, runCli } from './support/app.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { freePortRange, uniqueGroup, uniqueTopic } from './support/kafka.js';
import { waitUntil } from './support/poll.js';

const SECRET = 'hunter2-do-not-log';

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = SECRET; // the server trusts local connections, so the password is never checked
  return u.toString();
}

describe('heartbeat start against a running broker and server', () => {
  let db: TestDatabase;
  let logDir: string;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    logDir = mkdtempSync(path.join(os.tmpdir(), 'hb-logs-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('runs the pipeline, stores readings, and exits 0 on SIGINT with every line flushed to the log file', async () => {
    const app = runCli(['start'], {
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      KAFKA_TOPIC: uniqueTopic('life'), KAFKA_DLQ_TOPIC: uniqueTopic('life-dlq'), KAFKA_ALERTS_TOPIC: uniqueTopic('life-alerts'),
      KAFKA_GROUP_ID: uniqueGroup('life'), KAFKA_PARTITIONS: '4',
      DATABASE_URL: withPassword(db.url), WORKERS: '2', SIMULATOR_RATE: '500', SIMULATOR_CUSTOMERS: '50',
      LOG_DIR: logDir, LOG_LEVEL: 'info', DASHBOARD_ENABLED: 'false',
    });
    await app.waitForLog((l) => String(l.msg).startsWith('heartbeat running'));
    const pool = await openPool(db.url);
    try {
      // Readings flow from the simulator through both workers into PostgreSQL.
      const stored = await waitUntil(async () => {
        const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM heartbeats');
        return rows[0]!.n >= 200 ? rows[0]!.n : undefined;
      }, 60_000, 'readings in heartbeats', 250);
      expect(stored).toBeGreaterThanOrEqual(200);
    } finally {
      await pool.end();
    }
    expect(await app.stop('SIGINT')).toBe(0);

    // The process's own rotated files, named for its command.
    const files = readdirSync(logDir).filter((f) => /^start\.\d+\.log$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const text = files.map((f) => readFileSync(path.join(logDir, f), 'utf8')).join('');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Every line says which part and which thread wrote it; worker threads log through the main thread.
    expect(lines.every((l) => typeof l.component === 'string' && typeof l.thread === 'string')).toBe(true);
    expect(lines.filter((l) => String(l.thread).startsWith('worker-') && l.msg === 'worker stopped')).toHaveLength(2);
    expect(lines.at(-1)?.msg).toBe('shutdown complete');
    expect(text).not.toContain(SECRET);
    expect(app.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(SECRET);
  });
});

describe('heartbeat start with no broker answering', () => {
  it('starts the local broker itself and leaves no process behind after SIGINT or after being killed', async () => {
    const port = await freePortRange(1);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hb-kafka-'));
    const db = await createTestDatabase({ migrated: false });
    const env = {
      KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_LOCAL_DATA_DIR: dataDir, KAFKA_LOCAL_HEAP_MB: '256',
      DATABASE_URL: db.url, WORKERS: '1', SIMULATOR_ENABLED: 'false', LOG_DIR: path.join(dataDir, 'logs'), DASHBOARD_ENABLED: 'false',
    };
    try {
      const first = runCli(['start'], env);
      await first.waitForLog((l) => String(l.msg).startsWith('heartbeat running'));
      expect((await processesMatching(dataDir)).length).toBeGreaterThan(0);
      expect(await first.stop('SIGINT')).toBe(0);
      expect(await processesMatching(dataDir)).toEqual([]);

      // A crash of the app (SIGKILL: no handler runs) must not orphan the broker either.
      const second = runCli(['start'], env);
      await second.waitForLog((l) => String(l.msg).startsWith('heartbeat running'));
      expect(await second.stop('SIGKILL')).toBe(137);
      await waitUntil(async () => ((await processesMatching(dataDir)).length === 0 ? true : undefined), 30_000, 'the broker to exit', 250);
    } finally {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('start-up errors', () => {
  it('a bad config value stops start-up with one line naming the key, the value and what is allowed', async () => {
    const app = runCli(['start'], { WORKERS: 'lots' });
    expect(await app.exited).toBe(2);
    expect(app.stderr).toEqual(['heartbeat: Invalid config workers.count = "lots" (from env WORKERS): allowed is a whole number from 0 to 256']);
  });

  it('gives up with a non-zero exit and a clear error when no broker answers within the retry bound', async () => {
    const port = await freePortRange(1);
    const app = runCli(['start'], {
      KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_LOCAL_AUTOSTART: 'false',
      RETRY_RETRIES: '2', RETRY_MIN_DELAY_MS: '50', RETRY_MAX_DELAY_MS: '100', LOG_DIR: mkdtempSync(path.join(os.tmpdir(), 'hb-logs-')),
    });
    expect(await app.exited).toBe(1);
    // Each failed attempt is a warning that states the next delay; then one fatal line with the cause.
    const retries = app.lines.filter((l) => l.level === 40 && typeof l.delayMs === 'number');
    expect(retries).toHaveLength(2);
    const fatal = app.lines.find((l) => l.level === 60);
    expect(fatal?.code).toBe('RETRIES_EXHAUSTED');
    expect(JSON.stringify(fatal)).toContain(`127.0.0.1:${port}`);
  });

  it('an unknown command or flag is a usage error', async () => {
    const app = runCli(['start', '--no-such-flag', '1'], {});
    expect(await app.exited).toBe(2);
    expect(app.stderr.join('\n')).toContain('unknown flag --no-such-flag');
  });
});
