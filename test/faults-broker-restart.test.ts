// The app's only Kafka broker stopped in the middle of a stream and started again: the app
// reconnects by itself, consumes what was produced after the restart, and loses or doubles nothing.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type RunningApp } from './support/app.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import {
  appEnv, createTopics, deadLetterValues, faultNames, knownTraffic, readingsReach, storedCounts, tempLogDir, waitUntil,
} from './support/faults.js';
import { publish } from './support/pipeline.js';
import { javaProcessesUsing, memoryLogger, startTempCluster } from './support/kafka.js';

const HALF = 20_000;
const BAD_PER_HALF = 10;
const LAYOUT = { partitions: 4 };

const { log } = memoryLogger('info');
let cluster: Awaited<ReturnType<typeof startTempCluster>> | undefined;
let db: TestDatabase;
let pool: pg.Pool;
let app: RunningApp | undefined;
let logs: ReturnType<typeof tempLogDir>;

beforeAll(async () => {
  [cluster, db] = await Promise.all([startTempCluster(log, { nodes: 1 }), createTestDatabase()]);
  pool = await openPool(db.url);
  logs = tempLogDir();
});

afterAll(async () => {
  await app?.stop('SIGKILL');
  await pool?.end();
  await db?.drop();
  const dataDir = cluster?.dataDir;
  await cluster?.stop();
  if (dataDir !== undefined) expect(await javaProcessesUsing(dataDir)).toEqual([]);
  logs?.remove();
});

describe('heartbeat consume while its Kafka broker restarts', () => {
  it('reconnects by itself and stores every reading of before and after the restart exactly once', async () => {
    const brokers = cluster!.brokers;
    const names = faultNames('broker-restart');
    await createTopics(brokers, names, LAYOUT);
    const before = knownTraffic(HALF, BAD_PER_HALF, { tag: 'before' });
    await publish(names.readings, before.messages, { brokers });

    app = runCli(['consume'], appEnv(brokers, names, db.url, LAYOUT, { LOG_DIR: logs.dir, RETRY_MAX_DELAY_MS: '2000' }));
    await app.waitForLog((l) => l.msg === 'workers consuming');
    await readingsReach(pool, HALF / 4, 120_000);

    const linesBefore = app.lines.length;
    await cluster!.stopNode(1);
    // The app notices: its Kafka client reports the lost connection.
    await app.waitForLog((l) => app!.lines.indexOf(l) >= linesBefore && l.component === 'kafka' && Number(l.level) >= 40, 60_000);
    await cluster!.startNode(1);

    // Readings produced after the restart arrive too: the workers are consuming again, not just draining.
    const after = knownTraffic(HALF, BAD_PER_HALF, { tag: 'after' });
    await publish(names.readings, after.messages, { brokers });
    await readingsReach(pool, 2 * HALF, 180_000);
    const bad = [...before.bad, ...after.bad];
    await waitUntil(async () => ((await storedCounts(pool)).rejects >= bad.length ? true : undefined), 60_000, `${bad.length} stored rejects`);
    expect(await app.stop('SIGINT')).toBe(0);

    expect(await storedCounts(pool)).toEqual({ readings: 2 * HALF, distinctReadings: 2 * HALF, rejects: bad.length, distinctRejects: bad.length });
    const copies = await deadLetterValues(brokers, names.deadLetter, bad);
    expect(bad.filter((v) => !copies.has(v))).toEqual([]);
  }, 300_000);
});
