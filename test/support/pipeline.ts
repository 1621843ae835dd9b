// Helpers for end-to-end pipeline tests: the env that points the real CLI at this test's topics,
// group and database, publishing known messages, reading a topic to its end, and polling counts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createKafka, plainClientConfig } from '../../src/kafka/client.js';
import { createPublisher, type Compression, type OutboundMessage } from '../../src/kafka/producer.js';
import { runCli, type RunningApp } from './app.js';
import { createTestDatabase, freePort, openPool, silentLog, type TestDatabase } from './database.js';
import { uniqueGroup, uniqueTopic } from './kafka.js';
import { waitUntil } from './poll.js';

/** The names one test file's app instances share, and the env that hands them to the CLI. */
export interface PipelineNames {
  topic: string;
  dlq: string;
  alerts: string;
  group: string;
  logDir: string;
  env: Record<string, string>;
  /** Removes the log directory. */
  cleanup(): void;
}

/** Unique topics, group and log dir for `prefix`; env runs `consume`/`start` against them and `databaseUrl`. */
export function pipelineNames(prefix: string, databaseUrl: string, extra: Record<string, string> = {}): PipelineNames {
  const topic = uniqueTopic(prefix), dlq = uniqueTopic(`${prefix}-dlq`), alerts = uniqueTopic(`${prefix}-alerts`);
  const group = uniqueGroup(prefix);
  const logDir = mkdtempSync(path.join(os.tmpdir(), `hb-${prefix}-logs-`));
  return {
    topic, dlq, alerts, group, logDir,
    env: {
      KAFKA_BROKERS: inject('kafkaBrokers').join(','), KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: dlq, KAFKA_ALERTS_TOPIC: alerts,
      KAFKA_GROUP_ID: group, KAFKA_PARTITIONS: '4', DATABASE_URL: databaseUrl, WORKERS: '2', SIMULATOR_ENABLED: 'false',
      // The test waits for these lines; a local broker must never be started behind its back.
      LOG_DIR: logDir, LOG_LEVEL: 'info', KAFKA_LOCAL_AUTOSTART: 'false', DATABASE_EMBEDDED_FALLBACK: 'false',
      // Test files run in parallel: a dashboard on the default port would collide (tests that want one pick a free port).
      DASHBOARD_ENABLED: 'false',
      ...extra,
    },
    cleanup: () => rmSync(logDir, { recursive: true, force: true }),
  };
}

/** What a describe block running the pipeline needs: its own database, a pool on it, its own names. */
export interface PipelineFixture {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly names: PipelineNames;
}

/**
 * Gives the calling describe block a fresh test database, a pool and pipelineNames(prefix, ..., extra),
 * made before its tests and dropped after them. Read the fields inside the tests (they are set in beforeAll).
 */
export function usePipeline(prefix: string, extra: Record<string, string> = {}): PipelineFixture {
  const fixture = {} as { db: TestDatabase; pool: pg.Pool; names: PipelineNames };
  beforeAll(async () => {
    fixture.db = await createTestDatabase();
    fixture.pool = await openPool(fixture.db.url);
    fixture.names = pipelineNames(prefix, fixture.db.url, extra);
  });
  afterAll(async () => {
    await fixture.pool?.end();
    await fixture.db?.drop();
    fixture.names?.cleanup();
  });
  return fixture;
}

/** A pipeline fixture whose `consume` app runs with the dashboard (and /metrics) on a free port. */
export interface DashboardAppFixture extends PipelineFixture {
  readonly app: RunningApp;
  /** http://127.0.0.1:<port>/ */
  readonly baseUrl: string;
}

/**
 * usePipeline plus, before the block's tests, `heartbeat consume` with the dashboard enabled
 * (`prepare` may put rows in the database first); after them the app must stop with exit 0.
 */
export function useDashboardApp(prefix: string, extra: Record<string, string> = {}, prepare?: (pool: pg.Pool) => Promise<void>): DashboardAppFixture {
  const fixture = {} as { db: TestDatabase; pool: pg.Pool; names: PipelineNames; app: RunningApp; baseUrl: string };
  beforeAll(async () => {
    fixture.db = await createTestDatabase();
    fixture.pool = await openPool(fixture.db.url);
    await prepare?.(fixture.pool);
    const port = await freePort();
    fixture.names = pipelineNames(prefix, fixture.db.url, { DASHBOARD_ENABLED: 'true', DASHBOARD_PORT: String(port), ...extra });
    fixture.baseUrl = `http://127.0.0.1:${port}/`;
    fixture.app = runCli(['consume'], fixture.names.env);
    // The dashboard comes up after the workers.
    await fixture.app.waitForLog((l) => l.msg === 'dashboard listening');
  });
  afterAll(async () => {
    if (fixture.app !== undefined) expect(await fixture.app.stop('SIGTERM')).toBe(0);
    await fixture.pool?.end();
    await fixture.db?.drop();
    fixture.names?.cleanup();
  });
  return fixture;
}

const client = (brokers = inject('kafkaBrokers')) => createKafka(plainClientConfig(brokers, 'heartbeat-test'), silentLog, 'pipeline-test');

/** Options of publish. */
export interface PublishOptions {
  /** Default: the suite's broker. Fault tests pass the brokers of their own cluster. */
  brokers?: string[];
  /** Default none (the app's default): each byte as given, e.g. for payloads near message.max.bytes. */
  compression?: Compression;
  /** Messages per send (default 2000); the publisher also splits sends by bytes. */
  slice?: number;
}

/** Publishes `messages` in order, acknowledged by all in-sync replicas, then disconnects. */
export async function publish(topic: string, messages: OutboundMessage[], options: PublishOptions = {}): Promise<void> {
  const publisher = await createPublisher(client(options.brokers), { compression: options.compression });
  try {
    const slice = options.slice ?? 2000;
    for (let i = 0; i < messages.length; i += slice) await publisher.send(topic, messages.slice(i, i + slice));
  } finally {
    await publisher.disconnect();
  }
}

/** One message read back from a topic. */
export interface ReadMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads every message of `topic` up to its end offsets as of the call (with its own throw-away group). */
export async function readTopicToEnd(topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const kafka = client();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  // Partitions still to read, with the offset of their last message.
  const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
  const out: ReadMessage[] = [];
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueGroup('read-to-end'), maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: not read to its end within ${timeoutMs} ms (${out.length} messages so far)`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const last = pending.get(partition);
          if (last === undefined || BigInt(message.offset) > last) return;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
          out.push({ partition, offset: message.offset, key: message.key, value: message.value, headers });
          if (BigInt(message.offset) === last) pending.delete(partition);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  // Without compaction or transactions every offset below the end holds one message.
  const expected = ends.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
  if (out.length !== expected) {
    const per = ends.map((p) => `${p.partition}: [${p.low}, ${p.high}) read ${out.filter((m) => m.partition === p.partition).length}`);
    throw new Error(`${topic}: read ${out.length} messages, the offsets hold ${expected} (${per.join('; ')})`);
  }
  return out;
}

/** Runs a `SELECT count(*)` query (its single column) and returns the number. */
export async function count(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string | number }>(sql, values);
  return Number(Object.values(rows[0]!)[0]);
}

/** Polls the counts until every one equals its expected value; rejects after timeoutMs with the last counts. */
export async function waitForCounts(pool: pg.Pool, expected: Record<string, number>, timeoutMs = 90_000): Promise<void> {
  let last: Record<string, number> = {};
  await waitUntil(async () => {
    last = {};
    for (const table of Object.keys(expected)) last[table] = await count(pool, `SELECT count(*) FROM ${table}`);
    return Object.entries(expected).every(([table, n]) => last[table] === n) ? true : undefined;
  }, timeoutMs, () => `counts ${JSON.stringify(expected)}, got ${JSON.stringify(last)}`, 250);
}

/** A reading message as devices send it. */
export function readingMessage(customerId: string, eventTime: number, heartRate: number, extra: Record<string, unknown> = {}): OutboundMessage {
  return { key: customerId, value: JSON.stringify({ customer_id: customerId, timestamp: new Date(eventTime).toISOString(), heart_rate: heartRate, ...extra }) };
}

/** Runs `heartbeat <args>` to its end; resolves with its exit code and raw output (for commands that print). */
export async function runCommand(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, [path.join(root, 'bin/heartbeat.js'), ...args], {
    cwd: root, env: { ...process.env, LOG_PRETTY: 'never', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const code = await new Promise<number>((resolve) => child.once('close', (c, signal) => resolve(c ?? (signal === null ? 1 : 128))));
  return { code, stdout, stderr };
}

/** Awaits `work`; if it fails, the error also shows the app's last warnings and errors (why it got stuck). */
export async function explainFailure<T>(app: { lines: Array<Record<string, unknown>> }, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const warnings = app.lines.filter((l) => Number(l.level) >= 40).slice(-8).map((l) => JSON.stringify(l).slice(0, 600));
    throw new Error(`${(err as Error).message}\nlast warnings of the app:\n${warnings.join('\n')}`, { cause: err });
  }
}
