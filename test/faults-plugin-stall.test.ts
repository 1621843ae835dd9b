// A plugin that never returns (a synchronous loop) on one message: the watchdog terminates and
// replaces the worker thread; after the message killed a worker twice it is quarantined
// (plugin_timeout:<id>, in rejected_readings and on the dead-letter topic) and the partition moves
// on. A graceful stop never waits for a spinning thread longer than the shutdown allows.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/app.js';
import { createTestDatabase, openPool, type TestDatabase } from './support/database.js';
import { waitUntil } from './support/poll.js';
import { count, pipelineNames, publish, readTopicToEnd, readingMessage, waitForCounts } from './support/pipeline.js';

const SRC = pathToFileURL(path.resolve(import.meta.dirname, '../src')).href;
const POISON = { customer: 'CUST-POISON', heartRate: 77 };
const SHUTDOWN_TIMEOUT_MS = 10_000;

let db: TestDatabase;
let pool: pg.Pool;
let dir: string;

/**
 * A rule that spins forever on one customer's one heart rate, after appending a line to `marker`
 * (so the test can await the spin instead of sleeping). Outside the repo, with the rule API from this checkout.
 */
async function pluginsDir(): Promise<string> {
  const target = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-stall-'));
  await writeFile(path.join(target, 'package.json'), '{"type": "module"}\n');
  await writeFile(path.join(target, 'spin-forever.ts'), `
import { appendFileSync } from 'node:fs';
import { defineRule, z } from '${SRC}/rules/index.js';
export default defineRule({
  meta: { id: 'spin-forever', kind: 'rule', version: '1.0.0', description: 'Never returns on one reading.',
    options: z.object({ customer: z.string(), heartRate: z.number(), marker: z.string() }) },
  create: ({ customer, heartRate, marker }) => (reading) => {
    if (reading.customerId !== customer || reading.heartRate !== heartRate) return;
    appendFileSync(marker, 'spin\\n');
    for (;;) { /* a synchronous loop: only terminating the thread stops it */ }
  },
});
`);
  return target;
}

/** Env for `heartbeat consume` with the spinning rule; one worker, so every kill is its restart. */
async function appEnv(prefix: string, watchdogMs: number) {
  const marker = path.join(dir, `${prefix}.spins`);
  const configFile = path.join(dir, `${prefix}.json`);
  await writeFile(configFile, JSON.stringify({ plugins: { 'spin-forever': { options: { ...POISON, marker } } } }));
  const names = pipelineNames(prefix, db.url, {
    PLUGINS_DIR: dir, HEARTBEAT_CONFIG: configFile, WORKERS: '1', KAFKA_PARTITIONS: '2',
    RULES_WATCHDOG_MS: String(watchdogMs), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  const spins = async () => (await readFile(marker, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  return { names, spins };
}

/** `n` readings of other customers, an event time a second apart ending a minute ago, plus the poison reading. */
function traffic(n: number) {
  const t0 = Date.now() - 60_000 - n * 1000;
  const good = Array.from({ length: n }, (_, i) => readingMessage(`CUST-${i % 5}`, t0 + i * 1000, 60 + i));
  const poison = readingMessage(POISON.customer, t0, POISON.heartRate);
  return { good, poison };
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await openPool(db.url);
  dir = await pluginsDir();
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a plugin that never returns', () => {
  it('is stopped by the watchdog; its message is quarantined after two kills and everything else is stored', async () => {
    const { names, spins } = await appEnv('stall', 1000);
    const app = runCli(['consume'], names.env);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      const { good, poison } = traffic(40);
      // The poison in the middle: the readings behind it on its partition wait for it.
      await publish(names.topic, [...good.slice(0, 20), poison, ...good.slice(20)]);
      await waitForCounts(pool, { heartbeats: 40, rejected_readings: 1 }, 150_000);

      const { rows } = await pool.query<{ reason: string; raw: Buffer }>('SELECT reason, raw FROM rejected_readings');
      expect(rows.map((r) => [r.reason, r.raw.toString()])).toEqual([['plugin_timeout:spin-forever', poison.value]]);
      expect(await count(pool, `SELECT count(*) FROM heartbeats WHERE customer_id = $1`, [POISON.customer])).toBe(0);
      const letters = await readTopicToEnd(names.dlq);
      expect(letters.map((m) => [m.value?.toString(), m.headers['x-reject-reason']])).toEqual([[poison.value, 'plugin_timeout:spin-forever']]);

      // Killed twice, restarted twice; the third time the message was rejected without running the plugin.
      expect(await spins()).toBe(2);
      const kills = app.lines.filter((l) => l.msg === 'plugin did not return; worker thread terminated');
      expect(kills.map((l) => [l.plugin, l.kills, l.quarantined])).toEqual([['spin-forever', 1, false], ['spin-forever', 2, true]]);
      expect(app.lines.filter((l) => l.msg === 'worker failed; restarting after backoff').map((l) => l.restarts)).toEqual([1, 2]);

      const started = Date.now();
      expect(await app.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    } finally {
      await app.stop('SIGKILL');
      names.cleanup();
    }
  }, 240_000);

  it('does not hold up a graceful stop, even before the watchdog acts', async () => {
    // A watchdog limit far beyond the shutdown timeout: only stop() itself can end the spin.
    const { names, spins } = await appEnv('stall-stop', 600_000);
    const app = runCli(['consume'], names.env);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      await publish(names.topic, [traffic(0).poison]);
      await waitUntil(async () => ((await spins()) > 0 ? true : undefined), 60_000, 'the plugin spinning');
      const started = Date.now();
      expect(await app.stop('SIGTERM')).toBe(0);
      expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(app.lines.some((l) => l.msg === 'workers did not stop in time; terminating them')).toBe(true);
    } finally {
      await app.stop('SIGKILL');
      names.cleanup();
    }
  }, 120_000);
});
