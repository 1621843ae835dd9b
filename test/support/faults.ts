// Fault tests' shared parts: known traffic (N distinct valid readings plus a few bad messages), the
// real app's env for one test, and the database and dead-letter checks of "each exactly once".
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { AppConfig } from '../../src/config.js';
import { startChunkConsumer } from '../../src/kafka/chunk-consumer.js';
import { createKafka, plainClientConfig } from '../../src/kafka/client.js';
import type { OutboundMessage } from '../../src/kafka/producer.js';
import { ensureTopics } from '../../src/kafka/topics.js';
import { runCli, type RunningApp } from './app.js';
import { publish } from './pipeline.js';
import { createTestDatabase, openPool, silentLog, testConfig, type TestDatabase } from './database.js';
import { javaProcessesUsing, memoryLogger, startTempCluster, uniqueGroup, uniqueTopic } from './kafka.js';
import { waitUntil } from './poll.js';

/** What a test produced: the messages, and how many of them are valid readings or bad input. */
export interface KnownTraffic {
  messages: OutboundMessage[];
  valid: number;
  /** The raw values of the bad messages, each unique, so their dead-letter copies can be matched. */
  bad: string[];
}

/**
 * `readings` valid readings, each a distinct (customer_id, timestamp), keyed by customer, with
 * `bad` malformed or out-of-range messages spread evenly among them. `tag` keeps the customers of
 * two batches of traffic in one test apart; `padding` adds that many bytes of hard-to-compress
 * text in an extra field (ignored by the app), to make a backlog weigh in memory.
 */
export function knownTraffic(readings: number, bad: number, { customers = 200, tag = 'a', padding = 0 } = {}): KnownTraffic {
  const noise = padding === 0 ? '' : randomBytes(1 << 20).toString('base64');
  // Whole seconds in the recent past: inside the range plugin's window, at distinct instants.
  const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const messages: OutboundMessage[] = [];
  const badValues: string[] = [];
  const every = bad === 0 ? Number.POSITIVE_INFINITY : Math.floor(readings / bad);
  for (let i = 0; i < readings; i += 1) {
    const customer = `fault-${tag}-${String(i % customers).padStart(4, '0')}`;
    const timestamp = base + Math.floor(i / customers) * 1000;
    const reading: Record<string, unknown> = { customer_id: customer, timestamp, heart_rate: 60 + (i % 40), device_id: `dev-${customer}` };
    if (padding > 0) {
      const at = (i * 7919) % (noise.length - padding);
      reading.note = noise.slice(at, at + padding);
    }
    messages.push({ key: customer, value: JSON.stringify(reading) });
    if (badValues.length < bad && i % every === every - 1) {
      // Alternate the reasons: unparseable, a missing field, a validator's refusal.
      const n = badValues.length;
      const value = [`{"customer_id":"${customer}","bad":${n},`, JSON.stringify({ customer_id: customer, timestamp, bad: n }), JSON.stringify({ customer_id: customer, timestamp: timestamp + 500, heart_rate: 900 + n })][n % 3]!;
      badValues.push(value);
      messages.push({ key: customer, value });
    }
  }
  return { messages, valid: readings, bad: badValues };
}

/** Topic names and group of one test, unique to it. */
export interface FaultNames {
  readings: string;
  deadLetter: string;
  alerts: string;
  group: string;
}

export function faultNames(prefix: string): FaultNames {
  return { readings: uniqueTopic(`${prefix}`), deadLetter: uniqueTopic(`${prefix}-dlq`), alerts: uniqueTopic(`${prefix}-alerts`), group: uniqueGroup(prefix) };
}

/** Topic layout of a test: partitions, and replication on a multi-node cluster. */
export interface TopicLayout {
  partitions: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
}

function topicsConfig(brokers: string[], names: FaultNames, layout: TopicLayout): AppConfig {
  const base = testConfig();
  return {
    ...base,
    kafka: {
      ...base.kafka, brokers,
      topics: { readings: names.readings, deadLetter: names.deadLetter, alerts: names.alerts },
      partitions: layout.partitions, replicationFactor: layout.replicationFactor ?? 1, minInsyncReplicas: layout.minInsyncReplicas ?? 1,
    },
  };
}

/** Creates the test's topics as the app would, so a backlog can be produced before the app starts. */
export async function createTopics(brokers: string[], names: FaultNames, layout: TopicLayout): Promise<void> {
  await ensureTopics(topicsConfig(brokers, names, layout), silentLog);
}

/** The env of the real app for one test; `logDir` is removed by the caller. */
export function appEnv(brokers: string[], names: FaultNames, databaseUrl: string, layout: TopicLayout, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: names.readings, KAFKA_DLQ_TOPIC: names.deadLetter, KAFKA_ALERTS_TOPIC: names.alerts,
    KAFKA_GROUP_ID: names.group, KAFKA_PARTITIONS: String(layout.partitions),
    KAFKA_REPLICATION_FACTOR: String(layout.replicationFactor ?? 1), KAFKA_MIN_INSYNC_REPLICAS: String(layout.minInsyncReplicas ?? 1),
    // A fault must be survived by the app's own retries, never hidden by a fallback it starts.
    KAFKA_LOCAL_AUTOSTART: 'false', DATABASE_EMBEDDED_FALLBACK: 'false',
    DATABASE_URL: databaseUrl, WORKERS: '2', LOG_LEVEL: 'info', DASHBOARD_ENABLED: 'false', ...extra,
  };
}

/** A temporary LOG_DIR for one app run. */
export function tempLogDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hb-fault-logs-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What the database holds: rows, and the same counted by identity (a duplicate makes them differ). */
export interface StoredCounts {
  readings: number;
  distinctReadings: number;
  rejects: number;
  distinctRejects: number;
}

export async function storedCounts(pool: pg.Pool): Promise<StoredCounts> {
  const { rows } = await pool.query<StoredCounts>(`SELECT
      (SELECT count(*) FROM heartbeats)::int AS readings,
      (SELECT count(DISTINCT (customer_id, event_time)) FROM heartbeats)::int AS "distinctReadings",
      (SELECT count(*) FROM rejected_readings)::int AS rejects,
      (SELECT count(DISTINCT (topic, kafka_partition, kafka_offset)) FROM rejected_readings)::int AS "distinctRejects"`);
  return rows[0]!;
}

/** Stored readings so far (0 while the database is unreachable). */
export async function readingCount(pool: pg.Pool): Promise<number> {
  try {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM heartbeats');
    return rows[0]!.n;
  } catch {
    return 0;
  }
}

/** Waits until the database holds at least `count` readings; returns the count seen. */
export function readingsReach(pool: pg.Pool, count: number, timeoutMs: number): Promise<number> {
  let last = 0;
  return waitUntil(async () => {
    last = await readingCount(pool);
    return last >= count ? last : undefined;
  }, timeoutMs, () => `${count} stored readings (last count ${last})`, 50);
}

/** Waits until rejected_readings holds at least `count` rows (default timeout 60 s). */
export function rejectsReach(pool: pg.Pool, count: number, timeoutMs = 60_000): Promise<true> {
  return waitUntil(async () => ((await storedCounts(pool)).rejects >= count ? true : undefined), timeoutMs, `${count} stored rejects`);
}

/** Asserts that every value in `values` has a copy on the dead-letter topic (a second copy is allowed). */
export async function expectDeadLetterCopies(brokers: string[], topic: string, values: readonly string[]): Promise<void> {
  const copies = await deadLetterValues(brokers, topic, values);
  expect(values.filter((v) => !copies.has(v))).toEqual([]);
}

/** The bad messages stored in rejected_readings, by raw value, with their reasons. */
export async function storedRejects(pool: pg.Pool): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ raw: Buffer; reason: string }>('SELECT raw, reason FROM rejected_readings');
  return new Map(rows.map((r) => [r.raw.toString(), r.reason]));
}

/**
 * Reads the dead-letter topic from the start with a group of its own until every value in
 * `expected` has a copy (or timeoutMs passes); returns the values seen.
 */
export async function deadLetterValues(brokers: string[], topic: string, expected: readonly string[], timeoutMs = 60_000): Promise<Set<string>> {
  const seen = new Set<string>();
  const missing = () => expected.filter((v) => !seen.has(v));
  let done: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await startChunkConsumer(createKafka(plainClientConfig(brokers, 'fault-test'), silentLog, 'dlq-reader'), {
    groupId: uniqueGroup('dlq-reader'), topic, chunkSize: 1000, fromBeginning: true, log: silentLog, fetchWaitMs: 100,
    async onChunk(messages) {
      for (const m of messages) seen.add(m.value?.toString() ?? '');
      if (missing().length === 0) done();
      return true;
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([complete, new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return seen;
}

/** Resident memory of a process, in MB, from /proc/<pid>/status (undefined once it exited). */
export function residentMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** What a fault test works with: brokers, its own database and log dir, and the apps it started. */
export interface FaultRig {
  readonly brokers: string[];
  /** The throw-away cluster, when the rig was asked for one (so the test can stop its nodes). */
  readonly cluster: Awaited<ReturnType<typeof startTempCluster>> | undefined;
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly logDir: string;
  /** Runs `heartbeat <args>` as a child process; every app started is SIGKILLed after the file if still running. */
  runApp(args: string[], env: Record<string, string>): RunningApp;
}

/**
 * Sets up, before the file's tests, a test database, a log dir and (with `nodes`) a throw-away
 * local cluster to break, else the suite's broker; tears it all down after them and checks the
 * cluster left no broker process behind.
 */
export function useFaultRig({ nodes }: { nodes?: number } = {}): FaultRig {
  const apps: RunningApp[] = [];
  const rig = {
    runApp(args: string[], env: Record<string, string>): RunningApp {
      const app = runCli(args, env);
      apps.push(app);
      return app;
    },
  } as FaultRig & { brokers: string[]; cluster: FaultRig['cluster']; db: TestDatabase; pool: pg.Pool; logDir: string };
  let logs: ReturnType<typeof tempLogDir> | undefined;
  beforeAll(async () => {
    [rig.cluster, rig.db] = await Promise.all([nodes === undefined ? undefined : startTempCluster(memoryLogger('info').log, { nodes }), createTestDatabase()]);
    rig.brokers = rig.cluster?.brokers ?? inject('kafkaBrokers');
    rig.pool = await openPool(rig.db.url);
    logs = tempLogDir();
    rig.logDir = logs.dir;
  });
  afterAll(async () => {
    for (const app of apps) await app.stop('SIGKILL');
    await rig.pool?.end();
    await rig.db?.drop();
    const dataDir = rig.cluster?.dataDir;
    await rig.cluster?.stop();
    if (dataDir !== undefined) expect(await javaProcessesUsing(dataDir)).toEqual([]);
    logs?.remove();
  });
  return rig;
}

/**
 * The shape of a broker-fault test: half the traffic published, `consume` started and a quarter
 * of it stored; then `fault` runs (stop a node, ...) and returns; the other half is published;
 * at the end every reading is stored exactly once and every bad message kept once, in the table
 * and on the dead-letter topic, and the app stops with exit 0.
 */
export async function streamThroughFault(
  rig: FaultRig, prefix: string, layout: TopicLayout, half: number, badPerHalf: number,
  fault: (app: RunningApp, names: FaultNames) => Promise<void>,
): Promise<void> {
  const { brokers, db, pool, logDir } = rig;
  const names = faultNames(prefix);
  await createTopics(brokers, names, layout);
  const first = knownTraffic(half, badPerHalf, { tag: 'first' });
  await publish(names.readings, first.messages, { brokers });

  const app = rig.runApp(['consume'], appEnv(brokers, names, db.url, layout, { LOG_DIR: logDir, RETRY_MAX_DELAY_MS: '2000' }));
  await app.waitForLog((l) => l.msg === 'workers consuming');
  await readingsReach(pool, half / 4, 120_000);
  await fault(app, names);

  const second = knownTraffic(half, badPerHalf, { tag: 'second' });
  await publish(names.readings, second.messages, { brokers });
  await readingsReach(pool, 2 * half, 180_000);
  const bad = [...first.bad, ...second.bad];
  await rejectsReach(pool, bad.length);
  expect(await app.stop('SIGINT')).toBe(0);

  const counts = await storedCounts(pool);
  expect({ readings: counts.readings, distinctReadings: counts.distinctReadings, rejectsOncePerOffset: counts.rejects === counts.distinctRejects })
    .toEqual({ readings: 2 * half, distinctReadings: 2 * half, rejectsOncePerOffset: true });
  await expectRejects(pool, bad, [...first.messages, ...second.messages]);
  await expectDeadLetterCopies(brokers, names.deadLetter, bad);
}

/**
 * rejected_readings holds each bad message once, and otherwise only copies of valid readings kept
 * as `duplicate`. Those come from the test's own producer: a send retried after the broker it went
 * to stopped can be written twice (seen once on the 3-node cluster: 400 copies, one partition's
 * share of one 2,000-message send). The pipeline must store such a reading once and keep the copy
 * as a reject, which is what this checks, with the reasons in the failure message. A copy is
 * another message: its offset differs from the stored reading's. A `duplicate` at the stored
 * reading's own offset is that message redelivered and wrongly refused, and fails the check.
 */
export async function expectRejects(pool: pg.Pool, bad: readonly string[], published: readonly OutboundMessage[]): Promise<void> {
  const { rows } = await pool.query<{ raw: Buffer; reason: string; partition: number; offset: string }>(
    'SELECT raw, reason, kafka_partition AS partition, kafka_offset::text AS offset FROM rejected_readings');
  const valid = new Set(published.map((m) => String(m.value)).filter((v) => !bad.includes(v)));
  const copies = rows.filter((r) => r.reason === 'duplicate' && valid.has(r.raw.toString()));
  const storedAt = await storedOffsets(pool, copies.map((r) => JSON.parse(r.raw.toString()) as { customer_id: string; timestamp: number }));
  const unexpected = new Map<string, number>();
  const note = (key: string) => unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
  for (const r of rows) {
    const raw = r.raw.toString();
    if (bad.includes(raw)) continue;
    if (!copies.includes(r)) {
      note(`${r.reason}: ${raw.slice(0, 80)}`);
      continue;
    }
    const { customer_id: customer, timestamp } = JSON.parse(raw) as { customer_id: string; timestamp: number };
    const stored = storedAt.get(`${customer}@${timestamp}`);
    if (stored === undefined) note(`duplicate of a reading that was never stored: ${raw.slice(0, 80)}`);
    else if (stored === `${r.partition}:${r.offset}`) note(`duplicate at the stored reading's own offset (a redelivery refused): ${raw.slice(0, 80)}`);
  }
  expect([...unexpected], 'rejects that are neither a bad message nor a producer copy of a valid one').toEqual([]);
  const stored = new Set(rows.map((r) => r.raw.toString()));
  expect(bad.filter((v) => !stored.has(v)), 'bad messages missing from rejected_readings').toEqual([]);
}

/** Where each of these readings was stored from, as "partition:offset", keyed "customer@timestamp". */
async function storedOffsets(pool: pg.Pool, readings: ReadonlyArray<{ customer_id: string; timestamp: number }>): Promise<Map<string, string>> {
  if (readings.length === 0) return new Map();
  const { rows } = await pool.query<{ key: string; at: string }>(
    `SELECT k.c || '@' || k.t AS key, h.kafka_partition || ':' || h.kafka_offset AS at
     FROM unnest($1::text[], $2::bigint[]) AS k(c, t)
     JOIN heartbeats h ON h.customer_id = k.c AND h.event_time = timestamptz 'epoch' + k.t * interval '1 millisecond'`,
    [readings.map((r) => r.customer_id), readings.map((r) => r.timestamp)]);
  return new Map(rows.map((r) => [r.key, r.at]));
}
