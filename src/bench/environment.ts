// Where the benchmark runs: the brokers (its own throw-away local broker on free ports unless
// KAFKA_BROKERS names one), fresh databases copied from one migrated template on the configured
// PostgreSQL server, unique topic and group names, and the teardown of all of it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { AppConfig } from '../config.js';
import { createKafka, plainClientConfig } from '../kafka/client.js';
import { kafkaCacheDir } from '../kafka/artifacts.js';
import { startLocalCluster } from '../kafka/local-cluster.js';
import { firstAnswering } from '../kafka/probe.js';
import { ensureTopics } from '../kafka/topics.js';
import type { Logger } from '../log.js';
import { backendPids, createDatabase, dropDatabase, serverVersion } from '../store/bench-queries.js';
import { withDatabase } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { maintainPartitions } from '../store/partitions.js';
import { createPool } from '../store/pool.js';
import { pidsMatching } from './cpu.js';

export type Pool = Awaited<ReturnType<typeof createPool>>;

/** A database of one benchmark phase. */
export interface BenchDatabase {
  name: string;
  url: string;
  /** A pool on it (ended by drop()). */
  pool(max?: number): Promise<Pool>;
  drop(): Promise<void>;
}

/** Topics and group of one phase. */
export interface BenchNames {
  topic: string;
  dlq: string;
  alerts: string;
  group: string;
}

export interface BenchEnv {
  readonly config: AppConfig;
  readonly log: Logger;
  readonly brokers: string[];
  /** Kafka release of the broker when the benchmark started it ('external' otherwise). */
  readonly kafkaVersion: string;
  /** A kafkajs client on the brokers. */
  kafka(name: string): Kafka;
  /** Unique names for a phase (the topic is created with the configured partitions). */
  names(label: string): BenchNames;
  /** Creates the app's topics for these names. */
  createTopics(names: BenchNames): Promise<void>;
  /** A fresh, migrated database with today's partitions. */
  newDatabase(label: string): Promise<BenchDatabase>;
  /** Pids of the benchmark's own broker (empty with external brokers). */
  brokerPids(): number[];
  /** Pids of the PostgreSQL backends connected to `database`, except the asking one. */
  backendPids(database: string): Promise<number[]>;
  /** `SHOW server_version` of the PostgreSQL server. */
  postgresVersion(): Promise<string>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const canListen = (port: number) => new Promise<boolean>((resolve) => {
  const server = net.createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});

/** Two consecutive free ports (broker, controller). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port < 65535 && await canListen(port + 1)) return port;
  }
  throw new Error('no two consecutive free ports found');
}

/** Sets up brokers and the database template; close() removes everything it made. */
export async function openBenchEnv(config: AppConfig, log: Logger, options: { externalBrokers: boolean }): Promise<BenchEnv> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const cleanups: Array<() => Promise<void>> = [];
  let brokers = [...config.kafka.brokers];
  let kafkaVersion = 'external';
  let brokerDir: string | undefined;
  if (!options.externalBrokers || (await firstAnswering(brokers)) === undefined) {
    // Our own broker: another one on this machine may be busy with someone else's work.
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-bench-kafka-'));
    const basePort = await freePortPair();
    const { local } = config.kafka;
    log.info({ basePort, version: local.version }, 'starting a local Kafka broker for the benchmark');
    const cluster = await startLocalCluster({
      nodes: 1, host: '127.0.0.1', basePort, controllerBasePort: basePort + 1, dataDir, version: local.version,
      cacheDir: kafkaCacheDir(local.cacheDir), heapMb: local.heapMb, startTimeoutMs: local.startTimeoutMs, log,
    });
    cleanups.push(async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    brokers = cluster.brokers;
    kafkaVersion = local.version;
    brokerDir = dataDir;
  }
  const withBrokers: AppConfig = { ...config, kafka: { ...config.kafka, brokers } };

  const quiet = log.child({}, { level: 'silent' });
  const serverUrl = withDatabase(config.database.url, 'postgres');
  const admin = await createPool(config, log, { url: serverUrl, max: 1 });
  cleanups.push(() => admin.end());
  const created: string[] = [];
  cleanups.push(async () => {
    for (const name of created.reverse()) {
      await dropDatabase(admin, name).catch((err: unknown) => log.warn({ err, name }, 'could not drop a benchmark database'));
    }
  });
  const template = `heartbeat_bench_${runId}_tmpl`;
  let templateReady: Promise<void> | undefined;
  const buildTemplate = async () => {
    await createDatabase(admin, template);
    created.push(template);
    const pool = await createPool(config, log, { url: withDatabase(config.database.url, template), max: 1 });
    try {
      await migrate(pool, config, log);
      await maintainPartitions(pool, config.database.partitions);
    } finally {
      await pool.end();
    }
  };

  let cleaned = false;
  return {
    config: withBrokers,
    log,
    brokers,
    kafkaVersion,
    kafka: (name) => createKafka(plainClientConfig(brokers, 'heartbeat-bench'), log, name),
    names(label) {
      const base = `bench-${runId}-${label}`;
      return { topic: base, dlq: `${base}-dlq`, alerts: `${base}-alerts`, group: `${base}-group` };
    },
    async createTopics(names) {
      await ensureTopics({ ...withBrokers, kafka: { ...withBrokers.kafka, topics: { readings: names.topic, deadLetter: names.dlq, alerts: names.alerts } } }, log);
    },
    async newDatabase(label) {
      templateReady ??= buildTemplate();
      await templateReady;
      const name = `heartbeat_bench_${runId}_${label.replace(/[^a-z0-9_]/g, '_')}`;
      await createDatabase(admin, name, template);
      created.push(name);
      const url = withDatabase(config.database.url, name);
      const pools: Pool[] = [];
      return {
        name,
        url,
        async pool(max = 2) {
          // Silent: drop() ends the pool and forces its database away, which pg reports as errors.
          const pool = await createPool(config, quiet, { url, max });
          pools.push(pool);
          return pool;
        },
        async drop() {
          for (const pool of pools.splice(0)) await pool.end().catch(() => undefined);
          await dropDatabase(admin, name);
          created.splice(created.indexOf(name), 1);
        },
      };
    },
    brokerPids: () => (brokerDir === undefined ? [] : pidsMatching(brokerDir).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java')),
    backendPids: (database) => backendPids(admin, database),
    postgresVersion: () => serverVersion(admin),
    async close() {
      if (cleaned) return;
      cleaned = true;
      for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log.warn({ err }, 'benchmark cleanup failed'));
    },
  };
}
