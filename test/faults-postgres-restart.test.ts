// PostgreSQL stopped in the middle of a stream and started again on the same data: the app backs
// off (and says so in its log), stops fetching meanwhile, and resumes by itself; nothing lost or doubled.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/store/embedded.js';
import { runCli, type RunningApp } from './support/app.js';
import { freePort, openPool, silentLog, tempDirForPostgres, waitForNoProcessesOf } from './support/database.js';
import {
  appEnv, createTopics, faultNames, knownTraffic, readingsReach, rejectsReach, residentMb, storedCounts, tempLogDir,
} from './support/faults.js';
import { publish } from './support/pipeline.js';

const READINGS = 40_000;
const BAD = 12;
// 3 KB of padding per reading: a backlog of some 120 MB, far more than a bounded fetch holds.
const PADDING = 3072;
const LAYOUT = { partitions: 4 };
const BACKOFF = 'chunk not durable yet; retrying after backoff';

let root: string;
let dataDir: string;
let port: number;
let server: EmbeddedPostgres | undefined;
let app: RunningApp | undefined;
let logs: ReturnType<typeof tempLogDir>;

beforeAll(async () => {
  root = await tempDirForPostgres();
  dataDir = path.join(root, 'pg');
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir, port, log: silentLog });
  logs = tempLogDir();
});

afterAll(async () => {
  await app?.stop('SIGKILL');
  await server?.stop();
  await waitForNoProcessesOf(dataDir);
  await rm(root, { recursive: true, force: true });
  logs?.remove();
});

describe('heartbeat consume while its PostgreSQL restarts', () => {
  it('backs off while the database is away, holds bounded memory, and resumes with nothing lost or doubled', async () => {
    const brokers = inject('kafkaBrokers');
    const names = faultNames('pg-restart');
    await createTopics(brokers, names, LAYOUT);
    const traffic = knownTraffic(READINGS, BAD, { padding: PADDING });
    await publish(names.readings, traffic.messages, { brokers });

    const url = server!.url('heartbeat');
    app = runCli(['consume'], appEnv(brokers, names, url, LAYOUT, { LOG_DIR: logs.dir, RETRY_MAX_DELAY_MS: '2000' }));
    await app.waitForLog((l) => l.msg === 'workers consuming');
    const pid = app.child.pid!;
    // Poll with a pool of the test's own; it reconnects after the restart like the app must.
    let pool: pg.Pool | undefined = await openPool(url);
    try {
      await readingsReach(pool, READINGS / 10, 120_000);
      await pool.end();
      pool = undefined;

      await server!.stop();
      server = undefined;
      const downAt = residentMb(pid)!;
      // Down for several backoff rounds; RSS sampled all the while.
      let peak = downAt;
      const sampler = setInterval(() => {
        peak = Math.max(peak, residentMb(pid) ?? 0);
      }, 50);
      try {
        await app.waitForLog((l) => l.msg === BACKOFF && Number(l.attempt) >= 4, 60_000);
      } finally {
        clearInterval(sampler);
      }
      // Had the workers kept fetching, the ~120 MB backlog would be in memory by now.
      expect(peak - downAt, `RSS ${downAt.toFixed(0)} MB when the database went away, ${peak.toFixed(0)} MB at most while away`).toBeLessThan(40);

      server = await startEmbeddedPostgres({ dataDir, port, log: silentLog });
      pool = await openPool(url);
      await readingsReach(pool, READINGS, 120_000);
      await rejectsReach(pool!, BAD);
      expect(await app.stop('SIGINT')).toBe(0);

      expect(await storedCounts(pool)).toEqual({ readings: READINGS, distinctReadings: READINGS, rejects: BAD, distinctRejects: BAD });
      const warnings = app.lines.filter((l) => l.msg === BACKOFF);
      expect(warnings.length).toBeGreaterThan(0);
      // The backoff is the workers' own: no thread had to be restarted to get going again.
      expect(app.lines.filter((l) => l.msg === 'worker failed; restarting after backoff')).toEqual([]);
    } finally {
      await pool?.end();
    }
  }, 240_000);
});
