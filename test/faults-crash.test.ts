// The app killed with SIGKILL at random points while it drains a backlog, and restarted each time:
// every valid reading ends up stored exactly once, every bad message once with a dead-letter copy.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { runCli, type RunningApp } from './support/app.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import {
  appEnv, createTopics, deadLetterValues, faultNames, knownTraffic, readingCount, readingsReach, storedCounts, storedRejects,
  tempLogDir, waitUntil,
} from './support/faults.js';
import { publish } from './support/pipeline.js';

const READINGS = 60_000;
const BAD = 30;
const KILLS = 3;
const LAYOUT = { partitions: 4 };

let db: TestDatabase;
let pool: pg.Pool;
let logs: ReturnType<typeof tempLogDir>;
const apps: RunningApp[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await openPool(db.url);
  logs = tempLogDir();
});

afterAll(async () => {
  for (const app of apps) await app.stop('SIGKILL');
  await pool?.end();
  await db?.drop();
  logs?.remove();
});

describe('heartbeat consume killed with SIGKILL while draining a backlog', () => {
  it('stores every valid reading exactly once and every bad message once, with its dead-letter copy', async () => {
    const brokers = inject('kafkaBrokers');
    const names = faultNames('crash');
    await createTopics(brokers, names, LAYOUT);
    const traffic = knownTraffic(READINGS, BAD);
    await publish(names.readings, traffic.messages, { brokers });
    const env = appEnv(brokers, names, db.url, LAYOUT, { LOG_DIR: logs.dir });
    const start = () => {
      const app = runCli(['consume'], env);
      apps.push(app);
      return app;
    };

    // Each kill lands when the stored count passes a random point of what is left to drain, so
    // it hits the app mid-stream (between a write and its commit, or anywhere else) wherever it is.
    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      const app = start();
      await app.waitForLog((l) => l.msg === 'workers consuming');
      const stored = await readingCount(pool);
      const remaining = READINGS - stored;
      const target = stored + Math.max(1, Math.floor(remaining * (0.1 + 0.3 * Math.random())));
      killedAt.push(await readingsReach(pool, target, 120_000));
      expect(await app.stop('SIGKILL')).toBe(137);
    }
    expect(killedAt.at(-1)).toBeLessThan(READINGS);

    const last = start();
    await readingsReach(pool, READINGS, 180_000);
    await waitUntil(async () => ((await storedCounts(pool)).rejects >= BAD ? true : undefined), 60_000, `${BAD} stored rejects`);
    expect(await last.stop('SIGINT')).toBe(0);

    const counts = await storedCounts(pool);
    expect({ killedAt: killedAt.length, ...counts }).toEqual({ killedAt: KILLS, readings: READINGS, distinctReadings: READINGS, rejects: BAD, distinctRejects: BAD });
    const rejects = await storedRejects(pool);
    expect([...rejects.keys()].sort()).toEqual([...traffic.bad].sort());
    expect(new Set(rejects.values())).toEqual(new Set(['invalid_json', 'missing_field:heart_rate', 'heart_rate_out_of_range']));
    // The dead-letter topic may hold a copy twice (written, then killed before the commit), never none.
    const copies = await deadLetterValues(brokers, names.deadLetter, traffic.bad);
    expect(traffic.bad.filter((v) => !copies.has(v))).toEqual([]);
  }, 400_000);
});
